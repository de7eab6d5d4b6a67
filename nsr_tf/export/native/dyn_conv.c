// The sparse conv's per-sample convolution as a LiteRT custom op: a 2-D convolution
// whose filter (and bias) are run-time tensors, computed by XNNPACK.
//
// Why hand-written: XNNPACK's LiteRT delegate takes a CONV_2D only with a constant
// filter, and the builtin CONV_2D with a run-time filter runs LiteRT's reference-speed
// kernel (6-8x a constant conv, docs/native.md). Here XNNPACK's own convolution operator
// runs with the run-time kernel, packed again at every run (below: State kept across
// runs), so the arithmetic is XNNPACK's, not ours.
//
// Op contract (nsr_tf/export/native/__init__.py writes it):
//   inputs:  x (N, H, W, Cin) float32; filter (Cout, kh, kw, Cin) float32 (OHWI, as
//            CONV_2D); optional bias (Cout) float32
//   output:  (N, H, W, Cout): stride 1, dilation 1, 'same' zero padding (odd kh, kw)
//   names:   NSR_OP_NAME (no activation), NSR_OP_NAME_RELU (fused ReLU); the _QD8 names
//            the same, dynamically quantized (below)
// and the whole sparse layer in one op (NSR_SPARSE_NAME*, "The whole sparse layer in one
// op" below): x and the layer's constants in; the gate and eq. 10's aggregation in C, then
// the same conv. The export writes it for every softmax-gated layer; the conv-only op
// stays for the other gates (their gate as builtin ops in front of it).
// LiteRT's custom-op kernels (CompiledModel API) have no per-node options or state (Run
// sees only the registration's user data), so the fused activation and the arithmetic are
// told by the op's name.
//
// Dynamically quantized (qd8, as the dense model's dynamic-int8 file): per call the
// gate-aggregated filter is quantized to int8 per output channel (symmetric, scale =
// max|w| / 127), the input to int8 by XNNPACK's own f32->qd8 convert (asymmetric; one
// scale and zero point per image: XNNPACK runs every qd8 conv, 1x1 too, as an indirect
// GEMM that reads them per image), and XNNPACK's qd8_f32_qc8w convolution computes in
// int8 with float output; bias and ReLU in float as the float op.
//
// State kept across runs (docs/native.md, "State across runs"). LiteRT's custom-op kernels
// (the CompiledModel API) get no per-node state, so what does not change between calls is
// kept per kernel (op name) and keyed by exactly what it depends on: the shapes. A created
// convolution's indirection buffer and workspace depend on the batch, height, width,
// channels and kernel size only (XNNPACK's reshape rebuilds the indirection buffer only
// when the input size changes, src/operators/convolution-nhwc.c `reshape_igemm`; setup
// takes new input/output pointers by an offset), and its packed weights are rewritten at
// every call, in place, by XNNPACK's own packing function (what create does). So two nodes
// of one shape may share a state: every call repacks the weights it runs with. Per call
// what is left is the filter's quantization and repacking, the input's convert and the
// GEMM itself; no operator is created, reshaped or deleted after a shape's first call.
// Repacking in place reads the created operator's micro-kernel tile (nr, kr, sr) and its
// packed-weights pointer: XNNPACK internals (xnnpack/operator.h, xnnpack/pack.h) of the one
// pinned commit this kernel builds against (nsr_tf/export/xnnpack.py, and the app's
// CMakeLists.txt); a shape whose operator is not an indirect GEMM with its own weights
// (never seen for the sparse convs: XNNPACK takes the IGEMM for every qd8 conv and for
// every f32 conv with padding) falls back to an operator per call.
//
// XNNPACK: the current API (2024: create, reshape with a workspace, setup, run), built
// from Debian's source package by nsr_tf/export/xnnpack.py.

#define _POSIX_C_SOURCE 200112L  // posix_memalign

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "litert/c/litert_common.h"
#include "litert/c/litert_custom_op_kernel.h"
#include "litert/c/litert_layout.h"
#include "litert/c/litert_model_types.h"
#include "litert/c/litert_options.h"
#include "litert/c/litert_tensor_buffer.h"
#include "nsr_native.h"
#include "xnnpack/compute.h"           // internal: the qd8 convert's context (its micro-kernel)
#include "xnnpack/microparams-init.h"  // internal: xnn_init_qs8_qc8w_scale_fp32_params
#include "xnnpack/operator.h"          // internal: struct xnn_operator
#include "xnnpack/pack.h"              // internal: the IGEMM packing functions
#include "xnnpack/quantization.h"      // internal: the qd8 parameters from a min and max

// The loops of this file over a layer's values (the filter's quantization, eq. 10's
// aggregation, the input's statistics) compiled for AVX-512, AVX2 and the baseline on
// x86-64 Linux, the best picked at load (GCC's target_clones, an ifunc); elsewhere (the
// app's arm64, where NEON is the baseline) as they are.
#if defined(__x86_64__) && defined(__linux__) && !defined(__ANDROID__) && defined(__GNUC__)
#define NSR_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NSR_VECTOR_CLONES
#endif

// Shapes kept per kernel; a model's sparse convs have one to three.
#define NSR_STATES 8

// What one shape keeps across runs.
typedef struct {
  int used;
  int repack;          // the weights are rewritten in place (else: an operator per call)
  uint64_t last_run;   // the least recent is replaced when all slots are used
  size_t batch, height, width, in_channels, out_channels;
  uint32_t kh, kw;
  xnn_operator_t conv;
  xnn_operator_t convert;  // qd8: the input's f32 -> qd8 convert
  void* workspace;
  float* bias;             // the call's bias, zeros when it has none
  int8_t* q_filter;        // qd8: the filter in int8 per output channel
  float* scales;
  int32_t* sums;           // qd8: the sum of each output channel's int8 values
  int8_t* q_x;             // qd8: the input in int8
  struct xnn_quantization_params* params;
} NsrConvState;

typedef struct {
  int relu;
  int qd8;                   // dynamically quantized (int8 arithmetic, float output)
  int sparse;                // the whole sparse layer (gate, aggregation, conv)
  void* scratch;             // the sparse layer's pooled input, gates, filter and bias
  size_t scratch_bytes;
  pthreadpool_t threadpool;  // NULL: the calling thread
  uint64_t runs;
  NsrConvState states[NSR_STATES];
} NsrConvConfig;

static LiteRtStatus Init(void* user_data, const void* init_data, size_t init_data_size) {
  (void)user_data, (void)init_data, (void)init_data_size;
  return xnn_initialize(NULL) == xnn_status_success ? kLiteRtStatusOk
                                                     : kLiteRtStatusErrorRuntimeFailure;
}

static LiteRtStatus GetOutputLayouts(void* user_data, size_t num_inputs,
                                     const LiteRtLayout* input_layouts, size_t num_outputs,
                                     LiteRtLayout* output_layouts) {
  const NsrConvConfig* config = (const NsrConvConfig*)user_data;
  if (num_outputs != 1) return kLiteRtStatusErrorInvalidArgument;
  const LiteRtLayout* x = &input_layouts[0];
  if (config->sparse) {
    // x, gate_kernel (Cin, K*D), gate_bias (K*D), banks (K, Cout, kh, kw, Cin), biases
    // (K, Cout), and with int8 banks their scales (K, Cout)
    if (num_inputs < 5 || num_inputs > 6 || x->rank != 4) {
      return kLiteRtStatusErrorInvalidArgument;
    }
    if (num_inputs == 6 && (input_layouts[5].rank != 2 ||
                            input_layouts[5].dimensions[0] != input_layouts[4].dimensions[0] ||
                            input_layouts[5].dimensions[1] != input_layouts[4].dimensions[1])) {
      return kLiteRtStatusErrorInvalidArgument;
    }
    const LiteRtLayout* gate_kernel = &input_layouts[1];
    const LiteRtLayout* gate_bias = &input_layouts[2];
    const LiteRtLayout* banks = &input_layouts[3];
    const LiteRtLayout* biases = &input_layouts[4];
    if (gate_kernel->rank != 2 || gate_bias->rank != 1 || banks->rank != 5 ||
        biases->rank != 2 || banks->dimensions[0] < 1 ||
        gate_bias->dimensions[0] < banks->dimensions[0] ||
        gate_kernel->dimensions[0] != x->dimensions[3] ||
        banks->dimensions[4] != x->dimensions[3] ||
        gate_kernel->dimensions[1] != gate_bias->dimensions[0] ||
        gate_bias->dimensions[0] % banks->dimensions[0] != 0 ||
        banks->dimensions[1] % (gate_bias->dimensions[0] / banks->dimensions[0]) != 0 ||
        biases->dimensions[0] != banks->dimensions[0] ||
        biases->dimensions[1] != banks->dimensions[1]) {
      return kLiteRtStatusErrorInvalidArgument;
    }
    output_layouts[0] = *x;
    output_layouts[0].dimensions[3] = banks->dimensions[1];
    return kLiteRtStatusOk;
  }
  if (num_inputs < 2 || num_inputs > 3) return kLiteRtStatusErrorInvalidArgument;
  const LiteRtLayout* filter = &input_layouts[1];
  if (x->rank != 4 || filter->rank != 4 || filter->dimensions[3] != x->dimensions[3]) {
    return kLiteRtStatusErrorInvalidArgument;
  }
  output_layouts[0] = *x;
  output_layouts[0].dimensions[3] = filter->dimensions[0];
  return kLiteRtStatusOk;
}

// `int8`: the tensor may be int8 (the whole-layer qd8 op's banks), else it must be float32.
static LiteRtStatus Lock(LiteRtTensorBuffer buffer, LiteRtTensorBufferLockMode mode,
                         int int8, LiteRtLayout* layout, float** data) {
  LiteRtRankedTensorType type;
  LiteRtStatus status = LiteRtGetTensorBufferTensorType(buffer, &type);
  if (status != kLiteRtStatusOk) return status;
  if (type.element_type != kLiteRtElementTypeFloat32 &&
      !(int8 && type.element_type == kLiteRtElementTypeInt8)) {
    return kLiteRtStatusErrorInvalidArgument;
  }
  *layout = type.layout;
  return LiteRtLockTensorBuffer(buffer, (void**)data, mode);
}

// int8 per output channel, symmetric: q = round(w / scale), scale = max|w| / 127, and each
// channel's sum of q (the kernel sums of XNNPACK's packed weights, see PackQc8w). Written so
// that the compiler vectorises every loop: the peak as the maximum of |w|'s bit patterns
// (for floats >= 0 their order as unsigned integers is their order as numbers; a float max
// reduction is not vectorised without -ffast-math, and was two thirds of this function's
// time), rounding to nearest even by adding and subtracting 1.5 * 2^23 (exact for
// |w / scale| <= 127, as lrintf; lrintf itself is a library call per value).
NSR_VECTOR_CLONES
static void QuantizeFilter(const float* filter, size_t out_channels, size_t per_channel,
                           int8_t* quantized, float* scales, int32_t* sums) {
  const float kRound = 12582912.0f;  // 1.5 * 2^23
  for (size_t o = 0; o < out_channels; ++o) {
    const float* w = filter + o * per_channel;
    uint32_t peak_bits = 0;
    for (size_t i = 0; i < per_channel; ++i) {
      uint32_t bits;
      memcpy(&bits, &w[i], sizeof(bits));
      bits &= 0x7fffffffu;
      peak_bits = bits > peak_bits ? bits : peak_bits;
    }
    float peak;
    memcpy(&peak, &peak_bits, sizeof(peak));
    const float scale = peak > 0.0f ? peak / 127.0f : 1.0f;
    const float inverse = 1.0f / scale;  // a multiply per value, not a divide
    scales[o] = scale;
    int8_t* q = quantized + o * per_channel;
    int32_t sum = 0;
    for (size_t i = 0; i < per_channel; ++i) {
      const int32_t v = (int32_t)((w[i] * inverse + kRound) - kRound);
      q[i] = (int8_t)v;
      sum += v;
    }
    sums[o] = sum;
  }
}

static void Release(NsrConvState* state) {
  if (state->conv != NULL) xnn_delete_operator(state->conv);
  if (state->convert != NULL) xnn_delete_operator(state->convert);
  free(state->workspace), free(state->bias), free(state->q_filter), free(state->scales);
  free(state->sums);
  free(state->q_x), free(state->params);
  memset(state, 0, sizeof(*state));
}

// The state of this shape, or a slot for it (the least recently run one is released).
static NsrConvState* StateFor(NsrConvConfig* config, const NsrConvState* key, int* fresh) {
  NsrConvState* slot = &config->states[0];
  for (int i = 0; i < NSR_STATES; ++i) {
    NsrConvState* state = &config->states[i];
    if (state->used && state->batch == key->batch && state->height == key->height &&
        state->width == key->width && state->in_channels == key->in_channels &&
        state->out_channels == key->out_channels && state->kh == key->kh &&
        state->kw == key->kw) {
      *fresh = 0;
      return state;
    }
    if (!state->used || (slot->used && state->last_run < slot->last_run)) slot = state;
  }
  if (slot->used) Release(slot);
  *slot = *key;
  slot->used = 1;
  *fresh = 1;
  return slot;
}

static enum xnn_status Allocate(NsrConvState* state, int qd8) {
  const size_t per_channel = (size_t)state->kh * state->kw * state->in_channels;
  const size_t values = state->batch * state->height * state->width * state->in_channels;
  state->bias = (float*)calloc(state->out_channels, sizeof(float));
  if (state->bias == NULL) return xnn_status_out_of_memory;
  if (!qd8) return xnn_status_success;
  state->q_filter = (int8_t*)malloc(state->out_channels * per_channel);
  state->scales = (float*)malloc(state->out_channels * sizeof(float));
  state->sums = (int32_t*)malloc(state->out_channels * sizeof(int32_t));
  state->q_x = (int8_t*)malloc(values + XNN_EXTRA_BYTES);
  state->params = (struct xnn_quantization_params*)malloc(
      (state->batch + XNN_EXTRA_QUANTIZATION_PARAMS) * sizeof(struct xnn_quantization_params));
  return state->q_filter && state->scales && state->sums && state->q_x && state->params
             ? xnn_status_success
             : xnn_status_out_of_memory;
}

// Creates the convolution with this call's weights (packing them), the qd8 input convert,
// reshapes both once and allocates the convolution's workspace.
static enum xnn_status Create(const NsrConvConfig* config, NsrConvState* state,
                              const float* filter) {
  const float low = config->relu ? 0.0f : -INFINITY;
  const size_t cin = state->in_channels, cout = state->out_channels;
  // TENSORFLOW_SAME_PADDING: XNNPACK pads as TensorFlow's 'SAME' does.
  enum xnn_status status =
      config->qd8
          ? xnn_create_convolution2d_nhwc_qd8_f32_qc8w(
                0, 0, 0, 0, state->kh, state->kw, /*subsampling=*/1, 1, /*dilation=*/1, 1,
                /*groups=*/1, cin, cout, cin, cout, state->scales, state->q_filter,
                state->bias, low, INFINITY, XNN_FLAG_TENSORFLOW_SAME_PADDING, NULL, NULL,
                &state->conv)
          : xnn_create_convolution2d_nhwc_f32(
                0, 0, 0, 0, state->kh, state->kw, 1, 1, 1, 1, 1, cin, cout, cin, cout,
                filter, state->bias, low, INFINITY, XNN_FLAG_TENSORFLOW_SAME_PADDING, NULL,
                NULL, &state->conv);
  if (status != xnn_status_success) return status;
  const struct xnn_operator* op = state->conv;
  state->repack = op->ukernel.type == xnn_microkernel_type_igemm &&
                  op->weights_cache == NULL && op->packed_weights.pointer != NULL;
  size_t workspace_size = 0, workspace_alignment = 0, out_height = 0, out_width = 0;
  status = config->qd8
               ? xnn_reshape_convolution2d_nhwc_qd8_f32_qc8w(
                     state->conv, state->batch, state->height, state->width,
                     &workspace_size, &workspace_alignment, &out_height, &out_width,
                     config->threadpool)
               : xnn_reshape_convolution2d_nhwc_f32(
                     state->conv, state->batch, state->height, state->width,
                     &workspace_size, &workspace_alignment, &out_height, &out_width,
                     config->threadpool);
  if (status == xnn_status_success && workspace_size > 0) {
    size_t alignment = workspace_alignment < 64 ? 64 : workspace_alignment;
    if (posix_memalign(&state->workspace, alignment, workspace_size) != 0) {
      state->workspace = NULL;
      status = xnn_status_out_of_memory;
    }
  }
  if (status != xnn_status_success || !config->qd8) return status;
  // one (scale, zero point) per image: XNNPACK's qd8 IGEMM reads them per image
  const size_t row = state->height * state->width * cin;
  status = xnn_create_convert_nc_f32_qd8(0, &state->convert);
  if (status == xnn_status_success) {
    status = xnn_reshape_convert_nc_f32_qd8(state->convert, state->batch, row, row, row,
                                            config->threadpool);
  }
  return status;
}

// kr bytes of one output channel's row into the packed weights (fewer at the row's end): a
// fixed-size copy for XNNPACK's kr of 8 (x86, NEON) and 4 (a load and a store; a copy of
// variable size is a library call).
static inline void CopyRun(int8_t* restrict to, const int8_t* restrict from, size_t n) {
  if (n == 8) {
    memcpy(to, from, 8);
  } else if (n == 4) {
    memcpy(to, from, 4);
  } else {
    memcpy(to, from, n);
  }
}

// The int8 filter (Cout, ks, kc) in XNNPACK's IGEMM layout, the bytes that
// xnn_pack_qs8_conv_goki_w writes (src/reference/packing.cc of the pinned XNNPACK, with the
// input zero point 1 of the qd8 convolution's create, src/operators/convolution-nhwc.c):
// per block of nr output channels, nr int32 (0 - the channel's sum of int8 values), then
// per tap and per kr-run of input channels (sr-shuffled), nr runs of kr bytes, then
// `extra_bytes`. Hand-written because that function copies and sums byte by byte (it was
// 40% of the per-call weight work at 64x64x32); the sums come from QuantizeFilter. The
// positions it leaves alone (past Cout in the last block, past kc in the last run) are left
// alone here too: zeros from the create. Tested equal, byte for byte, to the create's own
// packing (tests/export/native_pack_check.c).
static void PackQc8w(const int8_t* k, const int32_t* sums, size_t nc, size_t ks, size_t kc,
                     size_t nr, size_t kr, size_t sr, int8_t* packed, size_t extra_bytes) {
  const size_t skr = sr * kr;  // a power of two, as XNNPACK's round_up_po2 assumes
  const size_t kc_padded = (kc + skr - 1) & ~(skr - 1);
  for (size_t start = 0; start < nc; start += nr) {
    const size_t block = nc - start < nr ? nc - start : nr;
    for (size_t n = 0; n < block; ++n) {
      const uint32_t packed_sum = 0u - (uint32_t)sums[start + n];  // as XNNPACK, unsigned
      memcpy(packed + n * sizeof(int32_t), &packed_sum, sizeof(packed_sum));
    }
    packed += nr * sizeof(int32_t);
    for (size_t ki = 0; ki < ks; ++ki) {
      for (size_t run = 0; run < kc_padded; run += kr) {
        for (size_t n = 0; n < block; ++n) {
          const size_t begin = (run & ~(skr - 1)) + ((run + n * kr) & (skr - 1));
          const size_t end = begin + kr < kc ? begin + kr : kc;
          if (begin < end) CopyRun(packed, &k[((start + n) * ks + ki) * kc + begin], end - begin);
          packed += kr;
        }
        packed += (nr - block) * kr;
      }
    }
    packed += extra_bytes;
  }
}

// Rewrites the created operator's packed weights with this call's filter and bias, in
// XNNPACK's layout, as its create does (src/operators/convolution-nhwc.c,
// create_gemm_or_igemm): per block of nr output channels the bias (f32) or the kernel sums
// (qd8), the kr-interleaved filter, then (qd8) the per-channel scales and the biases.
static void Repack(const NsrConvConfig* config, NsrConvState* state, const float* filter) {
  struct xnn_operator* op = state->conv;
  const size_t nr = op->ukernel.igemm.nr, kr = op->ukernel.igemm.kr,
               sr = op->ukernel.igemm.sr;
  const size_t kernel_size = (size_t)state->kh * state->kw;
  const size_t cin = state->in_channels, cout = state->out_channels;
  void* packed = op->packed_weights.pointer;
  if (!config->qd8) {
    xnn_pack_f32_conv_goki_w(1, cout, kernel_size, cin, nr, kr, sr, filter, state->bias,
                             NULL, (float*)packed, 0, NULL);
    return;
  }
  const size_t extra = 2 * sizeof(float);  // the channel's scale and bias
  PackQc8w(state->q_filter, state->sums, cout, kernel_size, cin, nr, kr, sr,
           (int8_t*)packed, nr * extra);
  const size_t k_stride = (cin + kr * sr - 1) / (kr * sr) * (kr * sr);
  const size_t block = nr * (kernel_size * k_stride + sizeof(int32_t) + extra);
  void* scales = (char*)packed + nr * (kernel_size * k_stride + sizeof(int32_t));
  xnn_init_qs8_qc8w_scale_fp32_params(cout, nr, nr, block, block, 0, state->scales, scales);
  xnn_init_qs8_qc8w_scale_fp32_params(cout, nr, nr, block, block, 0, state->bias,
                                      (char*)scales + nr * sizeof(float));
}

// Quantizes x to int8 as XNNPACK's f32 -> qd8 convert does, from a min and max already
// known (the whole-layer op takes them in its pass for the gate's pool): XNNPACK's own
// parameters (xnn_f32_qd8_asymmetric_quantization_params) and its own micro-kernel, the
// convert's second half (xnn_compute_f32_qd8_convert, src/operator-run.c), so the int8
// input is the convert's, bit for bit. Batch 1 (the whole-layer op's states).
static void QuantizeInput(NsrConvState* state, const float* x, float min, float max) {
  const struct f32_qd8_convert_context* context = &state->convert->context.f32_qd8_convert;
  const struct xnn_qd8_quantization_params quantization =
      xnn_f32_qd8_asymmetric_quantization_params(min, max);
  for (size_t i = 0; i < 1 + XNN_EXTRA_QUANTIZATION_PARAMS; ++i) {
    // the convert writes these as struct xnn_qd8_quantization_params (same two fields);
    // and the padding the IGEMM reads past the batch
    state->params[i].zero_point = quantization.zero_point;
    state->params[i].scale = quantization.inv_scale;
  }
  struct xnn_f32_qs8_cvt_params params;
  params.scalar.scale = 1.0f / quantization.inv_scale;
  params.scalar.output_zero_point = quantization.zero_point;
  context->convert_ukernel(context->n, x, state->q_x, (union xnn_unary_uparams*)&params);
}

// `minmax` (qd8 only, may be NULL): the input's min and max, known; else the convert
// finds them.
static enum xnn_status Compute(const NsrConvConfig* config, NsrConvState* state,
                               const float* x, const float* minmax, float* out) {
  enum xnn_status status = xnn_status_success;
  if (config->qd8) {
    if (minmax != NULL && state->batch == 1) {
      QuantizeInput(state, x, minmax[0], minmax[1]);
    } else {
      status = xnn_setup_convert_nc_f32_qd8(state->convert, x, state->q_x, state->params);
      if (status == xnn_status_success) {
        status = xnn_run_operator(state->convert, config->threadpool);
      }
    }
    if (status == xnn_status_success) {
      status = xnn_setup_convolution2d_nhwc_qd8_f32_qc8w(state->conv, state->workspace,
                                                         state->q_x, out, state->params);
    }
  } else {
    status = xnn_setup_convolution2d_nhwc_f32(state->conv, state->workspace, x, out);
  }
  if (status == xnn_status_success) status = xnn_run_operator(state->conv, config->threadpool);
  return status;
}

// One sample's conv with this call's filter (OHWI) and bias (NULL: none), through the
// state kept for its shape; `minmax`: as Compute.
static enum xnn_status ConvolveSample(NsrConvConfig* config, const NsrConvState* key,
                                      const float* x, const float* minmax,
                                      const float* filter, const float* bias, float* out) {
  int fresh = 0;
  NsrConvState* state = StateFor(config, key, &fresh);
  state->last_run = ++config->runs;
  enum xnn_status status = fresh ? Allocate(state, config->qd8) : xnn_status_success;
  if (status == xnn_status_success) {
    if (bias != NULL) {
      memcpy(state->bias, bias, state->out_channels * sizeof(float));
    } else {
      memset(state->bias, 0, state->out_channels * sizeof(float));
    }
    if (config->qd8) {
      QuantizeFilter(filter, state->out_channels,
                     (size_t)state->kh * state->kw * state->in_channels, state->q_filter,
                     state->scales, state->sums);
    }
    if (fresh) {
      status = Create(config, state, filter);
    } else {
      Repack(config, state, filter);
    }
  }
  if (status == xnn_status_success) status = Compute(config, state, x, minmax, out);
  // on failure, or where the weights cannot be rewritten, nothing is kept
  if (status != xnn_status_success || !state->repack) Release(state);
  return status;
}

static NsrConvState ShapeKey(size_t batch, const LiteRtLayout* x, size_t out_channels,
                             size_t kh, size_t kw) {
  NsrConvState key;
  memset(&key, 0, sizeof(key));
  key.batch = batch, key.height = x->dimensions[1], key.width = x->dimensions[2];
  key.in_channels = x->dimensions[3], key.out_channels = out_channels;
  key.kh = (uint32_t)kh, key.kw = (uint32_t)kw;
  return key;
}

static LiteRtStatus Convolve(NsrConvConfig* config, const LiteRtLayout* x_layout,
                             const LiteRtLayout* filter_layout, const float* x,
                             const float* filter, const float* bias, float* out) {
  const NsrConvState key =
      ShapeKey(x_layout->dimensions[0], x_layout, filter_layout->dimensions[0],
               filter_layout->dimensions[1], filter_layout->dimensions[2]);
  return ConvolveSample(config, &key, x, NULL, filter, bias, out) == xnn_status_success
             ? kLiteRtStatusOk
             : kLiteRtStatusErrorRuntimeFailure;
}

// ---------------------------------------------------------------------------------------
// The whole sparse layer in one op (NSR_SPARSE_NAME*): the gate and eq. 10's aggregation
// in C, then the conv above. Inputs, the last four constants of the file (64-byte aligned:
// nsr_tf/export/native/rewrite.py lays the file out so; LiteRT refuses an unaligned
// constant for a custom op):
//   x (N, H, W, Cin); gate_kernel (Cin, K * D) and gate_bias (K * D), both already divided
//   by the temperature; banks (K, Cout, kh, kw, Cin), the weight-normalised kernel banks,
//   OHWI each; biases (K, Cout). The qd8 op's banks may be int8 (quantized at export per
//   bank and output channel, symmetric), their scales (K, Cout) the sixth input.
// Per sample: pooled = mean of x over the pixels; gamma = softmax over the K sparsity
// groups of (pooled @ gate_kernel + gate_bias) viewed (K, D); channel o of cardinal group
// j = o / (Cout / D) gets filter sum_i gamma[i, j] banks[i, o] and bias the same sum of
// biases[i, o]; then the conv. What the builtin ops computed in a dozen ops (MEAN,
// FULLY_CONNECTED, SOFTMAX, BATCH_MATMUL, transposes) before the conv op.

// One pass over x (`pixels` rows of `channels` floats): the channel sums (the gate's pool)
// and the min and max of all values (what the qd8 convert would take a pass of its own
// for). Blocks of 32 channels, accumulated in local arrays, which the compiler keeps in
// vector registers (a sum into `sums` itself is stored and loaded again every row: it may
// alias x). A full block keeps NSR_POOL_SETS sets of them, one per row of a group of rows:
// with one set every row waits for the previous row's add (its latency, 4 cycles on x86),
// which bounded the pass at 32 channels to half the speed of memory.
#define NSR_POOL_BLOCK 32
#define NSR_POOL_SETS 4

// One row's values into the block's sums, minima and maxima (inlined with a constant
// `width` for a full block).
static inline void AccumulateRow(const float* restrict r, size_t width, float* restrict acc,
                                 float* restrict mn, float* restrict mx) {
  for (size_t c = 0; c < width; ++c) {
    acc[c] += r[c];
    mn[c] = r[c] < mn[c] ? r[c] : mn[c];
    mx[c] = r[c] > mx[c] ? r[c] : mx[c];
  }
}

NSR_VECTOR_CLONES
static void Statistics(const float* restrict x, size_t pixels, size_t channels,
                       float* restrict sums, float* restrict minmax) {
  float low = x[0], high = x[0];
  for (size_t c0 = 0; c0 < channels; c0 += NSR_POOL_BLOCK) {
    const size_t width = channels - c0 < NSR_POOL_BLOCK ? channels - c0 : NSR_POOL_BLOCK;
    float acc[NSR_POOL_SETS][NSR_POOL_BLOCK], mn[NSR_POOL_SETS][NSR_POOL_BLOCK],
        mx[NSR_POOL_SETS][NSR_POOL_BLOCK];
    for (size_t s = 0; s < NSR_POOL_SETS; ++s) {
      for (size_t c = 0; c < NSR_POOL_BLOCK; ++c) {
        acc[s][c] = 0.0f, mn[s][c] = x[c0 + (c < width ? c : 0)], mx[s][c] = mn[s][c];
      }
    }
    size_t p = 0;
    if (width == NSR_POOL_BLOCK) {  // the common case: fixed trip counts, unrolled
      for (; p + NSR_POOL_SETS <= pixels; p += NSR_POOL_SETS) {
        for (size_t s = 0; s < NSR_POOL_SETS; ++s) {
          AccumulateRow(x + (p + s) * channels + c0, NSR_POOL_BLOCK, acc[s], mn[s], mx[s]);
        }
      }
    }
    for (; p < pixels; ++p) AccumulateRow(x + p * channels + c0, width, acc[0], mn[0], mx[0]);
    for (size_t c = 0; c < width; ++c) {
      float sum = acc[0][c];
      for (size_t s = 1; s < NSR_POOL_SETS; ++s) {
        sum += acc[s][c];
        mn[0][c] = mn[s][c] < mn[0][c] ? mn[s][c] : mn[0][c];
        mx[0][c] = mx[s][c] > mx[0][c] ? mx[s][c] : mx[0][c];
      }
      sums[c0 + c] = sum;
      low = mn[0][c] < low ? mn[0][c] : low;
      high = mx[0][c] > high ? mx[0][c] : high;
    }
  }
  minmax[0] = low, minmax[1] = high;
}

// gamma (K * D, index i * D + j) from the pooled input.
static void Gate(const float* pooled, size_t in_channels, const float* gate_kernel,
                 const float* gate_bias, size_t groups, size_t cardinality, float* gamma) {
  const size_t logits = groups * cardinality;
  memcpy(gamma, gate_bias, logits * sizeof(float));
  for (size_t c = 0; c < in_channels; ++c) {
    const float* w = gate_kernel + c * logits;
    for (size_t l = 0; l < logits; ++l) gamma[l] += pooled[c] * w[l];
  }
  for (size_t j = 0; j < cardinality; ++j) {  // softmax over i, the sparsity groups
    float peak = gamma[j];
    for (size_t i = 1; i < groups; ++i) peak = fmaxf(peak, gamma[i * cardinality + j]);
    float total = 0.0f;
    for (size_t i = 0; i < groups; ++i) {
      float* g = &gamma[i * cardinality + j];
      *g = expf(*g - peak);
      total += *g;
    }
    for (size_t i = 0; i < groups; ++i) gamma[i * cardinality + j] /= total;
  }
}

// Eq. 10: filter (Cout, taps) and bias (Cout) from the banks and gamma.
NSR_VECTOR_CLONES
static void Aggregate(const float* banks, const float* biases, const float* gamma,
                      size_t groups, size_t cardinality, size_t out_channels, size_t taps,
                      float* filter, float* bias) {
  const size_t per_group = out_channels / cardinality;
  for (size_t o = 0; o < out_channels; ++o) {
    float* f = filter + o * taps;
    const size_t j = o / per_group;
    const float g0 = gamma[j];
    const float* b0 = banks + o * taps;
    for (size_t t = 0; t < taps; ++t) f[t] = g0 * b0[t];
    bias[o] = g0 * biases[o];
    for (size_t i = 1; i < groups; ++i) {
      const float g = gamma[i * cardinality + j];
      const float* b = banks + (i * out_channels + o) * taps;
      for (size_t t = 0; t < taps; ++t) f[t] += g * b[t];
      bias[o] += g * biases[i * out_channels + o];
    }
  }
}

// The same from int8 banks, quantized at export per bank and output channel (symmetric:
// bank i's channel o is scales[i, o] * banks[i, o]): the qd8 op's file carries a quarter of
// the bytes, and the aggregation reads a quarter.
NSR_VECTOR_CLONES
static void AggregateInt8(const int8_t* banks, const float* scales, const float* biases,
                          const float* gamma, size_t groups, size_t cardinality,
                          size_t out_channels, size_t taps, float* filter, float* bias) {
  const size_t per_group = out_channels / cardinality;
  for (size_t o = 0; o < out_channels; ++o) {
    float* f = filter + o * taps;
    const size_t j = o / per_group;
    const float g0 = gamma[j] * scales[o];
    const int8_t* b0 = banks + o * taps;
    for (size_t t = 0; t < taps; ++t) f[t] = g0 * (float)b0[t];
    bias[o] = gamma[j] * biases[o];
    for (size_t i = 1; i < groups; ++i) {
      const float g = gamma[i * cardinality + j] * scales[i * out_channels + o];
      const int8_t* b = banks + (i * out_channels + o) * taps;
      for (size_t t = 0; t < taps; ++t) f[t] += g * (float)b[t];
      bias[o] += gamma[i * cardinality + j] * biases[i * out_channels + o];
    }
  }
}

static void* Scratch(NsrConvConfig* config, size_t bytes) {
  if (bytes > config->scratch_bytes) {
    free(config->scratch);
    config->scratch = malloc(bytes);
    config->scratch_bytes = config->scratch != NULL ? bytes : 0;
  }
  return config->scratch;
}

// `count`: the op's inputs; 6 when the banks are int8 (their scales the sixth), then the
// output.
static LiteRtStatus SparseLayer(NsrConvConfig* config, size_t count,
                                const LiteRtLayout* layouts, float* const* data) {
  const int int8_banks = count == 6;
  const LiteRtLayout* x = &layouts[0];
  const LiteRtLayout* banks = &layouts[3];
  const size_t batch = x->dimensions[0], in_channels = x->dimensions[3];
  const size_t pixels = (size_t)x->dimensions[1] * x->dimensions[2];
  const size_t groups = banks->dimensions[0], out_channels = banks->dimensions[1];
  const size_t kh = banks->dimensions[2], kw = banks->dimensions[3];
  const size_t cardinality = layouts[2].dimensions[0] / groups;
  const size_t taps = kh * kw * in_channels;
  float* scratch = (float*)Scratch(
      config, (in_channels + groups * cardinality + out_channels * (taps + 1)) * sizeof(float));
  if (scratch == NULL) return kLiteRtStatusErrorMemoryAllocationFailure;
  float* pooled = scratch;
  float* gamma = pooled + in_channels;
  float* bias = gamma + groups * cardinality;
  float* filter = bias + out_channels;
  const NsrConvState key = ShapeKey(1, x, out_channels, kh, kw);
  for (size_t b = 0; b < batch; ++b) {
    const float* xb = data[0] + b * pixels * in_channels;
    float minmax[2];
    Statistics(xb, pixels, in_channels, pooled, minmax);
    const float inverse = 1.0f / (float)pixels;
    for (size_t c = 0; c < in_channels; ++c) pooled[c] *= inverse;
    Gate(pooled, in_channels, data[1], data[2], groups, cardinality, gamma);
    if (int8_banks) {
      AggregateInt8((const int8_t*)data[3], data[5], data[4], gamma, groups, cardinality,
                    out_channels, taps, filter, bias);
    } else {
      Aggregate(data[3], data[4], gamma, groups, cardinality, out_channels, taps, filter,
                bias);
    }
    if (ConvolveSample(config, &key, xb, minmax, filter, bias,
                       data[count] + b * pixels * out_channels) != xnn_status_success) {
      return kLiteRtStatusErrorRuntimeFailure;
    }
  }
  return kLiteRtStatusOk;
}

static LiteRtStatus Run(void* user_data, size_t num_inputs, const LiteRtTensorBuffer* inputs,
                        size_t num_outputs, LiteRtTensorBuffer* outputs) {
  NsrConvConfig* config = (NsrConvConfig*)user_data;
  if (config->sparse ? (num_inputs < 5 || num_inputs > 6)
                     : (num_inputs < 2 || num_inputs > 3)) {
    return kLiteRtStatusErrorInvalidArgument;
  }
  if (num_outputs != 1) return kLiteRtStatusErrorInvalidArgument;
  // x, filter, [bias], output; or x, gate_kernel, gate_bias, banks, biases, [bank scales],
  // output
  LiteRtTensorBuffer buffers[7];
  size_t count = 0;
  for (size_t i = 0; i < num_inputs; ++i) buffers[count++] = inputs[i];
  buffers[count++] = outputs[0];
  LiteRtLayout layouts[7];
  float* data[7] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  size_t locked = 0;
  LiteRtStatus status = kLiteRtStatusOk;
  while (status == kLiteRtStatusOk && locked < count) {
    LiteRtTensorBufferLockMode mode = locked + 1 == count ? kLiteRtTensorBufferLockModeWrite
                                                          : kLiteRtTensorBufferLockModeRead;
    const int int8 = config->sparse && num_inputs == 6 && locked == 3;
    status = Lock(buffers[locked], mode, int8, &layouts[locked], &data[locked]);
    if (status == kLiteRtStatusOk) ++locked;
  }
  if (status == kLiteRtStatusOk) {
    status = config->sparse
                 ? SparseLayer(config, num_inputs, layouts, data)
                 : Convolve(config, &layouts[0], &layouts[1], data[0], data[1],
                            num_inputs == 3 ? data[2] : NULL, data[count - 1]);
  }
  for (size_t i = 0; i < locked; ++i) LiteRtUnlockTensorBuffer(buffers[i]);
  return status;
}

static LiteRtStatus Destroy(void* user_data) {
  (void)user_data;  // the configs and their states belong to NsrKernels (nsr_destroy_kernels)
  return kLiteRtStatusOk;
}

// plain, relu, qd8, qd8 relu; then the same four of the whole sparse layer
#define NSR_KERNELS 8

struct NsrKernels {
  NsrConvConfig configs[NSR_KERNELS];
  pthreadpool_t threadpool;
};

static const char* const kNames[NSR_KERNELS] = {
    NSR_OP_NAME,        NSR_OP_NAME_RELU,        NSR_OP_NAME_QD8,        NSR_OP_NAME_QD8_RELU,
    NSR_SPARSE_NAME,    NSR_SPARSE_NAME_RELU,    NSR_SPARSE_NAME_QD8,    NSR_SPARSE_NAME_QD8_RELU};

static const LiteRtCustomOpKernel kDynConv = {Init, GetOutputLayouts, Run, Destroy};

NsrKernels* nsr_add_kernels(LiteRtOptions options, int num_threads) {
  NsrKernels* kernels = (NsrKernels*)calloc(1, sizeof(NsrKernels));
  if (kernels == NULL) return NULL;
  kernels->threadpool = num_threads > 1 ? pthreadpool_create((size_t)num_threads) : NULL;
  for (int i = 0; i < NSR_KERNELS; ++i) {
    NsrConvConfig* config = &kernels->configs[i];
    config->relu = i % 2, config->qd8 = (i / 2) % 2, config->sparse = i / 4;
    config->threadpool = kernels->threadpool;
    if (LiteRtAddCustomOpKernelOption(options, kNames[i], NSR_OP_VERSION, &kDynConv,
                                      &kernels->configs[i]) != kLiteRtStatusOk) {
      nsr_destroy_kernels(kernels);
      return NULL;
    }
  }
  return kernels;
}

void nsr_destroy_kernels(NsrKernels* kernels) {
  if (kernels == NULL) return;
  for (int i = 0; i < NSR_KERNELS; ++i) {
    for (int j = 0; j < NSR_STATES; ++j) {
      if (kernels->configs[i].states[j].used) Release(&kernels->configs[i].states[j]);
    }
    free(kernels->configs[i].scratch);
  }
  if (kernels->threadpool != NULL) pthreadpool_destroy(kernels->threadpool);
  free(kernels);
}
