// libFuzzer harness: an .onnx file through import_onnx (protobuf parse, ONNX shape inference,
// constant folding, pattern matching, conversion to the Graph IR), at batch 1 and, when the
// model imports, at batch 2. Seeds: small models as tests/onnx/make_models.py writes them.
#include <string>

#include "sw/frontend/onnx_import.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = nm::fuzz::write_scratch("model.onnx", data, size);
  bool imported = false;
  nm::fuzz::expect_clean([&] {
    (void)nm::sw::import_onnx(path);
    imported = true;
  });
  if (imported) nm::fuzz::expect_clean([&] { (void)nm::sw::import_onnx(path, 2); });
  return 0;
}
