// Byte accounting of TCP calls recorded without an exit stop, against counters given by
// hand: no socket, no kernel.
#include "tcp_settlement.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>

namespace fissure::detail {
namespace {

class FakeCounters : public TcpCounterSource {
 public:
  std::optional<TcpTotals> now;
  int asked = 0;
  std::vector<std::pair<pid_t, int>> last_holders;
  std::optional<TcpTotals> totals(const std::string&, const std::string&, std::uint64_t,
                                  const std::vector<std::pair<pid_t, int>>& holders) override {
    ++asked;
    last_holders = holders;
    return now;
  }
};

TcpTotals totals(std::uint64_t read, std::uint64_t written, int state = 1, bool fin = false) {
  TcpTotals t;
  // The kernel counts a FIN's sequence number as received: one more than the data.
  t.read_if_no_fin = read;
  t.read_if_fin = read > 0 ? read - 1 : 0;
  t.written = written;
  t.state = state;
  t.fin_received = fin;
  return t;
}

constexpr std::uint64_t kInode = 77;

struct Fixture : ::testing::Test {
  std::vector<Event> events;
  StreamCounters sent{{0, 0}}, received{{0, 0}};
  FakeCounters kernel;
  std::map<pid_t, std::uint64_t> stops;  // per tid: its stop count now
  TcpSettlement tcp{events, sent, received, kernel,
                    [this](const Event& e, std::uint64_t at) { return stops[e.tid] > at; }};

  // A data call on channel 0 at its entry, deferred; its thread has `stops[tid]` stops.
  Event& call(Sys sys, EventDir dir, pid_t tid = 10) {
    Event& e = events.emplace_back();
    e.id = events.size() - 1;
    e.sys = sys;
    e.tid = tid;
    e.pid = tid;
    e.fd = 5;
    e.channel = 0;
    e.dir = dir;
    e.inferred = true;
    bool sending = sys_info(sys).has(kSend);
    EXPECT_TRUE(tcp.can_defer(kInode, sending));
    tcp.deferred(kInode, sending, e.id, stops[tid]);
    return e;
  }
};

using TcpSettlementTest = Fixture;

TEST_F(TcpSettlementTest, BytesAfterTheBaselineAreTheCalls) {
  tcp.track(kInode, "127.0.0.1:40000", "127.0.0.1:7000", totals(100, 50));
  call(Sys::read, EventDir::BtoA);
  ++stops[10];  // the read returned
  kernel.now = totals(105, 50);
  tcp.settle(kInode);
  EXPECT_EQ(events[0].moved, 5);
  EXPECT_EQ(events[0].result, 5);
  EXPECT_EQ(events[0].offset, 0u);
  EXPECT_EQ(received[0][1], 5u);
  // The next read continues the stream where this one ended.
  call(Sys::read, EventDir::BtoA);
  ++stops[10];
  kernel.now = totals(112, 50);
  tcp.settle(kInode);
  EXPECT_EQ(events[1].moved, 7);
  EXPECT_EQ(events[1].offset, 5u);
}

TEST_F(TcpSettlementTest, ASendsBytesAreTheWrittenCounter) {
  tcp.track(kInode, "a", "b", totals(0, 20));
  call(Sys::sendto, EventDir::AtoB);
  ++stops[10];
  kernel.now = totals(0, 31);
  tcp.settle(kInode);
  EXPECT_EQ(events[0].moved, 11);
  EXPECT_EQ(sent[0][0], 11u);
  EXPECT_EQ(received[0][0], 0u);
}

TEST_F(TcpSettlementTest, AFinIsNoData) {
  tcp.track(kInode, "a", "b", totals(10, 0));
  call(Sys::recvfrom, EventDir::BtoA);
  ++stops[10];
  kernel.now = totals(11, 0, 8 /* CLOSE_WAIT */, true);  // only the peer's FIN came
  tcp.settle(kInode);
  EXPECT_EQ(events[0].moved, 0);
  EXPECT_EQ(events[0].result, 0);  // end of stream
}

TEST_F(TcpSettlementTest, InCloseThePeersCloseInTheTraceSaysFin) {
  tcp.track(kInode, "a", "b", totals(10, 0));
  Event& peer_close = events.emplace_back();  // the peer closed its side (b to a)
  peer_close.id = 0;
  peer_close.sys = Sys::close;
  peer_close.channel = 0;
  peer_close.dir = EventDir::BtoA;
  call(Sys::read, EventDir::BtoA);
  ++stops[10];
  kernel.now = totals(14, 0, kTcpClose, false);  // 3 data bytes and the FIN
  tcp.settle(kInode);
  EXPECT_EQ(events[1].moved, 3);
  EXPECT_EQ(events[1].result, 3);
}

TEST_F(TcpSettlementTest, NothingMovedIsEagainOrEintr) {
  tcp.track(kInode, "a", "b", totals(10, 0));
  call(Sys::read, EventDir::BtoA);
  ++stops[10];  // returned with nothing: a non-blocking read
  kernel.now = totals(10, 0);
  tcp.settle(kInode);
  EXPECT_EQ(events[0].result, -EAGAIN);
  // Still blocked when the run ends (force): cut short, as the program would see it.
  call(Sys::read, EventDir::BtoA);
  tcp.settle(kInode);
  EXPECT_EQ(events[1].result, 0) << "a blocked call is not settled without force";
  tcp.settle(kInode, true);
  EXPECT_EQ(events[1].result, -EINTR);
}

TEST_F(TcpSettlementTest, AGoneSocketIsEsrch) {
  tcp.track(kInode, "a", "b", totals(0, 0));
  call(Sys::write, EventDir::AtoB, 42);
  ++stops[42];
  kernel.now.reset();
  tcp.settle(kInode);
  EXPECT_EQ(events[0].result, -ESRCH);
  ASSERT_EQ(kernel.last_holders.size(), 1u);  // asked with the fd that held it
  EXPECT_EQ(kernel.last_holders[0], std::make_pair(pid_t{42}, 5));
}

TEST_F(TcpSettlementTest, AConnectInFlightCountsItsSyn) {
  tcp.track(kInode, "a", "b", totals(0, 0, kTcpSynSent));
  call(Sys::write, EventDir::AtoB);
  ++stops[10];
  kernel.now = totals(1, 9);  // established: SYN-ACK received, SYN + 8 data bytes acked
  tcp.settle(kInode);
  EXPECT_EQ(events[0].moved, 8);
}

TEST_F(TcpSettlementTest, ABlockedCallInTheSameDirectionIsNotDeferred) {
  tcp.track(kInode, "a", "b", totals(0, 0));
  call(Sys::read, EventDir::BtoA, 10);
  // Another thread reads while the first is still blocked: its count would mix with it.
  EXPECT_FALSE(tcp.can_defer(kInode, false));
  EXPECT_TRUE(tcp.can_defer(kInode, true));  // the other direction is free
  ++stops[10];
  kernel.now = totals(4, 0);
  EXPECT_TRUE(tcp.can_defer(kInode, false));  // settles the first one
  EXPECT_EQ(events[0].moved, 4);
  EXPECT_FALSE(tcp.can_defer(kInode + 1, false));  // a socket never tracked
}

// The run's end waits for these: calls whose threads have not stopped since their entry.
TEST_F(TcpSettlementTest, InFlightAreThePendingCallsNotReturned) {
  tcp.track(kInode, "a", "b", totals(0, 0));
  EXPECT_TRUE(tcp.in_flight().empty());
  call(Sys::read, EventDir::BtoA, 10);
  call(Sys::write, EventDir::AtoB, 11);
  ASSERT_EQ(tcp.in_flight().size(), 2u);
  ++stops[11];  // the writer stopped again: its call returned, though it is not settled yet
  std::vector<const Event*> left = tcp.in_flight();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]->tid, 10);
  EXPECT_EQ(events[1].result, 0) << "asking settles nothing";
  ++stops[10];
  EXPECT_TRUE(tcp.in_flight().empty());
}

}  // namespace
}  // namespace fissure::detail
