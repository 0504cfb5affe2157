#include "mpi_protocol.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <thread>

namespace fissure::mpi {

void send_bytes(const std::string& bytes, int rank, Tag tag) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error(fmt::format("MPI message of {} bytes is too long", bytes.size()));
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, rank, tag, MPI_COMM_WORLD);
}

std::optional<Incoming> receive(int rank, int tag, bool wait) {
  const int source = rank < 0 ? MPI_ANY_SOURCE : rank;
  const int want = tag < 0 ? MPI_ANY_TAG : tag;
  MPI_Status status;
  for (auto pause = std::chrono::microseconds(50);;
       pause = std::min(pause * 2, std::chrono::microseconds(2000))) {
    int there = 0;
    MPI_Iprobe(source, want, MPI_COMM_WORLD, &there, &status);
    if (there) break;
    if (!wait) return std::nullopt;
    std::this_thread::sleep_for(pause);
  }
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  Incoming in{status.MPI_SOURCE, status.MPI_TAG, std::string(static_cast<std::size_t>(count), '\0')};
  MPI_Recv(in.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return in;
}

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void abort_job(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // MPI_Abort does not return; this says so to the compiler
}

World::World(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED)
    throw std::runtime_error("this MPI cannot have threads beside the one that calls it");
}

World::~World() {
  stop_workers();
  MPI_Finalize();
}

void World::stop_workers() {
  if (stopped_) return;
  stopped_ = true;
  if (rank() != 0) return;
  for (int r = 1; r < size(); ++r) send(Empty{}, r, kStop);
}

}  // namespace fissure::mpi
