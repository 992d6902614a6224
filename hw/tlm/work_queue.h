#pragma once
// An unbounded in-order queue between SystemC threads (the bounds of the double buffers are
// semaphores held by the engines, so queues never need a capacity of their own).
#include <deque>
#include <systemc>

namespace nm::hw {

struct PlanStep;

// A step staged in L2, and the time its last byte arrives (DRAM latency is in flight while the
// DMA already issues the next request).
struct StagedStep {
  const PlanStep* step = nullptr;
  sc_core::sc_time ready;
};

template <typename T>
class WorkQueue {
 public:
  void push(const T& item) {
    items_.push_back(item);
    pushed_.notify(sc_core::SC_ZERO_TIME);
  }
  T pop() {
    while (items_.empty()) sc_core::wait(pushed_);
    T item = items_.front();
    items_.pop_front();
    return item;
  }
  bool empty() const { return items_.empty(); }

 private:
  std::deque<T> items_;
  sc_core::sc_event pushed_;
};

}  // namespace nm::hw
