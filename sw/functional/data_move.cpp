#include "sw/functional/data_move.h"

#include <stdexcept>
#include <string>

namespace nm::sw {

namespace {

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

void fail(const Op& op, const std::string& what) {
  throw std::invalid_argument("op " + op.name + " (" + op_kind_name(op.kind) + "): " + what);
}

std::vector<float> transpose(const Op& op, const Shape& in, const std::vector<float>& x, const Shape& out) {
  const std::vector<int64_t>& perm = op.attrs.perm;
  if (perm.size() != in.size() || out.size() != in.size()) fail(op, "perm rank differs from the input's");
  const std::vector<int64_t> in_st = strides_of(in);
  // Stride in the input of each output dim.
  std::vector<int64_t> src_st(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t p = perm[i];
    if (p < 0 || p >= static_cast<int64_t>(in.size()) || in[static_cast<size_t>(p)] != out[i])
      fail(op, "perm does not map the input shape to the output's");
    src_st[i] = in_st[static_cast<size_t>(p)];
  }
  std::vector<float> y(static_cast<size_t>(element_count(out)));
  std::vector<int64_t> idx(out.size(), 0);
  int64_t src = 0;
  for (float& v : y) {
    v = x[static_cast<size_t>(src)];
    for (size_t d = out.size(); d-- > 0;) {  // odometer over the output, tracking the source
      if (++idx[d] < out[d]) {
        src += src_st[d];
        break;
      }
      src -= src_st[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
  return y;
}

// Views a shape as [outer, extent along axis, inner].
void split_at(const Shape& s, int64_t axis, int64_t& outer, int64_t& extent, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[static_cast<size_t>(i)];
  extent = s[static_cast<size_t>(axis)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
}

}  // namespace

std::vector<float> move_data(const Op& op, const std::vector<Shape>& input_shapes,
                             const std::vector<const std::vector<float>*>& inputs, const Shape& output_shape,
                             float mask_value) {
  if (inputs.empty() || inputs.size() != input_shapes.size()) fail(op, "needs its inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (static_cast<int64_t>(inputs[i]->size()) != element_count(input_shapes[i])) fail(op, "input size");
  }
  const int64_t axis = op.attrs.axis;
  switch (op.kind) {
    case OpKind::kTranspose:
      return transpose(op, input_shapes[0], *inputs[0], output_shape);
    case OpKind::kConcat: {
      if (axis < 0 || axis >= static_cast<int64_t>(output_shape.size())) fail(op, "axis out of range");
      int64_t outer, total, inner;
      split_at(output_shape, axis, outer, total, inner);
      std::vector<float> y(static_cast<size_t>(element_count(output_shape)));
      int64_t offset = 0;
      for (size_t i = 0; i < inputs.size(); ++i) {
        int64_t o, extent, in;
        if (input_shapes[i].size() != output_shape.size()) fail(op, "inputs differ in rank");
        split_at(input_shapes[i], axis, o, extent, in);
        if (o != outer || in != inner) fail(op, "inputs differ off the concat axis");
        for (int64_t r = 0; r < outer; ++r) {
          const float* src = inputs[i]->data() + r * extent * inner;
          std::copy(src, src + extent * inner, y.begin() + (r * total + offset) * inner);
        }
        offset += extent;
      }
      if (offset != total) fail(op, "input extents do not sum to the output's");
      return y;
    }
    case OpKind::kSlice: {
      const Shape& in = input_shapes[0];
      if (axis < 0 || axis >= static_cast<int64_t>(in.size()) || output_shape.size() != in.size())
        fail(op, "axis out of range");
      int64_t outer, extent, inner, o2, count, i2;
      split_at(in, axis, outer, extent, inner);
      split_at(output_shape, axis, o2, count, i2);
      if (o2 != outer || i2 != inner || op.attrs.step < 1 || op.attrs.start < 0 ||
          op.attrs.start + (count - 1) * op.attrs.step >= extent)
        fail(op, "slice outside the input");
      std::vector<float> y(static_cast<size_t>(element_count(output_shape)));
      for (int64_t r = 0; r < outer; ++r) {
        for (int64_t j = 0; j < count; ++j) {
          const float* src = inputs[0]->data() + (r * extent + op.attrs.start + j * op.attrs.step) * inner;
          std::copy(src, src + inner, y.begin() + (r * count + j) * inner);
        }
      }
      return y;
    }
    case OpKind::kCausalMask: {
      const Shape& in = input_shapes[0];
      if (in.size() < 2 || output_shape != in) fail(op, "needs an [..., Sq, Sk] input and output");
      const int64_t sq = in[in.size() - 2], sk = in.back();
      if (sk < sq) fail(op, "fewer keys than queries");
      std::vector<float> y = *inputs[0];
      const int64_t offset = sk - sq;  // query i sits at key position i + offset
      for (size_t e = 0; e < y.size(); ++e) {
        const auto ei = static_cast<int64_t>(e);
        if (ei % sk > (ei / sk) % sq + offset) y[e] = mask_value;
      }
      return y;
    }
    default:
      fail(op, "not a data-movement op");
  }
  return {};
}

}  // namespace nm::sw
