// A thread of its own for Z3. A Z3 context may be used by one thread only, and the campaign
// may call a strategy from whichever thread runs it; every Z3 object lives and dies here.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fissure {

class SolverThread {
 public:
  SolverThread();
  ~SolverThread();
  SolverThread(const SolverThread&) = delete;
  SolverThread& operator=(const SolverThread&) = delete;
  // Runs `task` on the solver thread and waits for it; its exception is rethrown here.
  void run(const std::function<void()>& task);

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* task_ = nullptr;
  std::exception_ptr error_;
  bool done_ = false, stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace fissure
