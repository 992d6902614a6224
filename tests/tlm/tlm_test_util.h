#pragma once
// Small SystemC test fixtures: a scripted TLM initiator, a sink target, and a probe that checks
// completion at exact cycles ("blocked at t-1, done at t").
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/tlm/kernel_extension.h"

namespace nm::test {

// Issues its requests one after another from t = start, recording each completion time.
class ScriptedInitiator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ScriptedInitiator);
  tlm_utils::simple_initiator_socket<ScriptedInitiator> socket;
  struct Request {
    tlm::tlm_command command;
    uint64_t bytes;
    hw::TransferExtension transfer;
  };
  std::vector<Request> requests;
  std::vector<sc_core::sc_time> done;
  sc_core::sc_time start = sc_core::SC_ZERO_TIME;

  explicit ScriptedInitiator(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    SC_THREAD(run);
  }

 private:
  void run() {
    wait(start);
    tlm::tlm_generic_payload payload;
    for (Request& r : requests) {
      hw::init_transfer(payload, r.command, 0, r.bytes);
      payload.set_extension(&r.transfer);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      socket->b_transport(payload, delay);
      payload.clear_extension(&r.transfer);
      EXPECT_EQ(payload.get_response_status(), tlm::TLM_OK_RESPONSE);
      wait(delay);
      done.push_back(sc_core::sc_time_stamp());
    }
  }
};

// A target that accepts anything instantly (terminates unused sockets).
class SinkTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<SinkTarget> socket;
  uint64_t bytes = 0;
  explicit SinkTarget(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    socket.register_b_transport(this, &SinkTarget::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) {
    bytes += p.get_data_length();
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// Checks that `initiator` has completed `count - 1` requests at cycle - 1 and `count` at cycle
// (1 ns clock).
class CompletionProbe : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(CompletionProbe);
  CompletionProbe(sc_core::sc_module_name name, const ScriptedInitiator& initiator, uint64_t cycle,
                  size_t count)
      : sc_module(name), initiator_(initiator), cycle_(cycle), count_(count) {
    SC_THREAD(run);
  }
  bool checked = false;

 private:
  void run() {
    wait(sc_core::sc_time(static_cast<double>(cycle_ - 1), sc_core::SC_NS));
    wait(sc_core::SC_ZERO_TIME);  // let same-time completions land first
    EXPECT_EQ(initiator_.done.size(), count_ - 1) << "already done at cycle " << cycle_ - 1;
    wait(sc_core::sc_time(1, sc_core::SC_NS));
    wait(sc_core::SC_ZERO_TIME);
    EXPECT_EQ(initiator_.done.size(), count_) << "not done at cycle " << cycle_;
    checked = true;
  }
  const ScriptedInitiator& initiator_;
  uint64_t cycle_;
  size_t count_;
};

}  // namespace nm::test
