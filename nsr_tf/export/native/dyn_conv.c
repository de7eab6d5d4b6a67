// The sparse conv's per-sample convolution as a LiteRT custom op: a 2-D convolution
// whose filter (and bias) are run-time tensors, computed by XNNPACK.
//
// Why hand-written: XNNPACK's LiteRT delegate takes a CONV_2D only with a constant
// filter, and the builtin CONV_2D with a run-time filter runs LiteRT's reference-speed
// kernel (6-8x a constant conv, docs/native.md). Here XNNPACK's own convolution operator is
// created with the run-time kernel at every run (weight packing costs ~3% of the conv
// at 64x64x32), so the arithmetic is XNNPACK's, not ours.
//
// Op contract (nsr_tf/export/native/__init__.py writes it):
//   inputs:  x (N, H, W, Cin) float32; filter (Cout, kh, kw, Cin) float32 (OHWI, as
//            CONV_2D); optional bias (Cout) float32
//   output:  (N, H, W, Cout): stride 1, dilation 1, 'same' zero padding (odd kh, kw)
//   names:   NSR_OP_NAME (no activation), NSR_OP_NAME_RELU (fused ReLU); the _QD8 names
//            the same, dynamically quantized (below)
// LiteRT's custom-op kernels keep no per-node state (Run sees only the registration's
// user data), so the fused activation and the arithmetic are told by the op's name, not
// by its options.
//
// Dynamically quantized (qd8, as the dense model's dynamic-int8 file): per call the
// gate-aggregated filter is quantized to int8 per output channel (symmetric, scale =
// max|w| / 127), the input to int8 by XNNPACK's own f32->qd8 convert (asymmetric; one
// scale and zero point per image: XNNPACK runs every qd8 conv, 1x1 too, as an indirect
// GEMM that reads them per image), and XNNPACK's qd8_f32_qc8w convolution computes in
// int8 with float output; bias and ReLU in float as the float op.
//
// XNNPACK: the current API (2024: create, reshape with a workspace, setup, run), built
// from Debian's source package by nsr_tf/export/xnnpack.py.

#define _POSIX_C_SOURCE 200112L  // posix_memalign

#include <math.h>
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

typedef struct {
  int relu;
  int qd8;                   // dynamically quantized (int8 arithmetic, float output)
  pthreadpool_t threadpool;  // NULL: the calling thread
} NsrConvConfig;

static LiteRtStatus Init(void* user_data, const void* init_data, size_t init_data_size) {
  (void)user_data, (void)init_data, (void)init_data_size;
  return xnn_initialize(NULL) == xnn_status_success ? kLiteRtStatusOk
                                                     : kLiteRtStatusErrorRuntimeFailure;
}

static LiteRtStatus GetOutputLayouts(void* user_data, size_t num_inputs,
                                     const LiteRtLayout* input_layouts, size_t num_outputs,
                                     LiteRtLayout* output_layouts) {
  (void)user_data;
  if (num_inputs < 2 || num_inputs > 3 || num_outputs != 1) {
    return kLiteRtStatusErrorInvalidArgument;
  }
  const LiteRtLayout* x = &input_layouts[0];
  const LiteRtLayout* filter = &input_layouts[1];
  if (x->rank != 4 || filter->rank != 4 || filter->dimensions[3] != x->dimensions[3]) {
    return kLiteRtStatusErrorInvalidArgument;
  }
  output_layouts[0] = *x;
  output_layouts[0].dimensions[3] = filter->dimensions[0];
  return kLiteRtStatusOk;
}

static LiteRtStatus Lock(LiteRtTensorBuffer buffer, LiteRtTensorBufferLockMode mode,
                         LiteRtLayout* layout, float** data) {
  LiteRtRankedTensorType type;
  LiteRtStatus status = LiteRtGetTensorBufferTensorType(buffer, &type);
  if (status != kLiteRtStatusOk) return status;
  if (type.element_type != kLiteRtElementTypeFloat32) return kLiteRtStatusErrorInvalidArgument;
  *layout = type.layout;
  return LiteRtLockTensorBuffer(buffer, (void**)data, mode);
}

// reshape (with the workspace it asks for), setup and run of a created convolution
static enum xnn_status RunConvolution(xnn_operator_t op, int qd8, size_t batch,
                                      size_t height, size_t width, const void* x,
                                      const struct xnn_quantization_params* params,
                                      float* out, pthreadpool_t threadpool) {
  size_t workspace_size = 0, workspace_alignment = 0, out_height = 0, out_width = 0;
  enum xnn_status status =
      qd8 ? xnn_reshape_convolution2d_nhwc_qd8_f32_qc8w(
                op, batch, height, width, &workspace_size, &workspace_alignment,
                &out_height, &out_width, threadpool)
          : xnn_reshape_convolution2d_nhwc_f32(op, batch, height, width, &workspace_size,
                                               &workspace_alignment, &out_height,
                                               &out_width, threadpool);
  void* workspace = NULL;
  if (status == xnn_status_success && workspace_size > 0) {
    size_t alignment = workspace_alignment < 64 ? 64 : workspace_alignment;
    if (posix_memalign(&workspace, alignment, workspace_size) != 0) {
      workspace = NULL;
      status = xnn_status_out_of_memory;
    }
  }
  if (status == xnn_status_success) {
    status = qd8 ? xnn_setup_convolution2d_nhwc_qd8_f32_qc8w(op, workspace,
                                                             (const int8_t*)x, out, params)
                 : xnn_setup_convolution2d_nhwc_f32(op, workspace, (const float*)x, out);
  }
  if (status == xnn_status_success) status = xnn_run_operator(op, threadpool);
  free(workspace);
  return status;
}

// int8 per output channel, symmetric: q = round(w / scale), scale = max|w| / 127
static void QuantizeFilter(const float* filter, size_t out_channels, size_t per_channel,
                           int8_t* quantized, float* scales) {
  for (size_t o = 0; o < out_channels; ++o) {
    const float* w = filter + o * per_channel;
    float peak = 0.0f;
    for (size_t i = 0; i < per_channel; ++i) peak = fmaxf(peak, fabsf(w[i]));
    const float scale = peak > 0.0f ? peak / 127.0f : 1.0f;
    const float inverse = 1.0f / scale;  // a multiply per value, not a divide
    scales[o] = scale;
    int8_t* q = quantized + o * per_channel;
    for (size_t i = 0; i < per_channel; ++i) q[i] = (int8_t)lrintf(w[i] * inverse);
  }
}

// x as int8 with one (scale, zero point) per `rows` row of `row_size` values
static enum xnn_status QuantizeInput(const float* x, size_t rows, size_t row_size,
                                     int8_t* quantized,
                                     struct xnn_quantization_params* params,
                                     pthreadpool_t threadpool) {
  xnn_operator_t op = NULL;
  enum xnn_status status = xnn_create_convert_nc_f32_qd8(0, &op);
  if (status == xnn_status_success) {
    status = xnn_reshape_convert_nc_f32_qd8(op, rows, row_size, row_size, row_size,
                                            threadpool);
  }
  if (status == xnn_status_success) {
    status = xnn_setup_convert_nc_f32_qd8(op, x, quantized, params);
  }
  if (status == xnn_status_success) status = xnn_run_operator(op, threadpool);
  if (op != NULL) xnn_delete_operator(op);
  return status;
}

static LiteRtStatus Convolve(const NsrConvConfig* config, const LiteRtLayout* x_layout,
                             const LiteRtLayout* filter_layout, const float* x,
                             const float* filter, const float* bias, float* out) {
  const size_t batch = x_layout->dimensions[0], height = x_layout->dimensions[1],
               width = x_layout->dimensions[2], in_channels = x_layout->dimensions[3];
  const size_t out_channels = filter_layout->dimensions[0];
  const uint32_t kh = filter_layout->dimensions[1], kw = filter_layout->dimensions[2];
  const float low = config->relu ? 0.0f : -INFINITY;
  xnn_operator_t op = NULL;
  enum xnn_status status;
  if (!config->qd8) {
    // TENSORFLOW_SAME_PADDING: XNNPACK pads as TensorFlow's 'SAME' does.
    status = xnn_create_convolution2d_nhwc_f32(
        0, 0, 0, 0, kh, kw, /*subsampling=*/1, 1, /*dilation=*/1, 1, /*groups=*/1,
        in_channels, out_channels, in_channels, out_channels, filter, bias, low, INFINITY,
        XNN_FLAG_TENSORFLOW_SAME_PADDING, NULL, NULL, &op);
    if (status == xnn_status_success) {
      status = RunConvolution(op, 0, batch, height, width, x, NULL, out,
                              config->threadpool);
    }
    if (op != NULL) xnn_delete_operator(op);
    return status == xnn_status_success ? kLiteRtStatusOk
                                        : kLiteRtStatusErrorRuntimeFailure;
  }
  const size_t per_channel = (size_t)kh * kw * in_channels;
  const size_t pixels = batch * height * width;
  const size_t rows = batch;  // one quantization per image (the IGEMM reads it so)
  int8_t* q_filter = (int8_t*)malloc(out_channels * per_channel);
  float* scales = (float*)malloc(out_channels * sizeof(float));
  int8_t* q_x = (int8_t*)malloc(pixels * in_channels + XNN_EXTRA_BYTES);
  struct xnn_quantization_params* params = (struct xnn_quantization_params*)malloc(
      (rows + XNN_EXTRA_QUANTIZATION_PARAMS) * sizeof(struct xnn_quantization_params));
  status = q_filter && scales && q_x && params ? xnn_status_success
                                               : xnn_status_out_of_memory;
  if (status == xnn_status_success) {
    QuantizeFilter(filter, out_channels, per_channel, q_filter, scales);
    status = QuantizeInput(x, rows, pixels * in_channels / rows, q_x, params,
                           config->threadpool);
  }
  if (status == xnn_status_success) {
    status = xnn_create_convolution2d_nhwc_qd8_f32_qc8w(
        0, 0, 0, 0, kh, kw, /*subsampling=*/1, 1, /*dilation=*/1, 1, /*groups=*/1,
        in_channels, out_channels, in_channels, out_channels, scales, q_filter, bias, low,
        INFINITY, XNN_FLAG_TENSORFLOW_SAME_PADDING, NULL, NULL, &op);
  }
  if (status == xnn_status_success) {
    status = RunConvolution(op, 1, batch, height, width, q_x, params, out,
                            config->threadpool);
  }
  if (op != NULL) xnn_delete_operator(op);
  free(q_filter), free(scales), free(q_x), free(params);
  return status == xnn_status_success ? kLiteRtStatusOk : kLiteRtStatusErrorRuntimeFailure;
}

static LiteRtStatus Run(void* user_data, size_t num_inputs, const LiteRtTensorBuffer* inputs,
                        size_t num_outputs, LiteRtTensorBuffer* outputs) {
  if (num_inputs < 2 || num_inputs > 3 || num_outputs != 1) {
    return kLiteRtStatusErrorInvalidArgument;
  }
  // x, filter, [bias], output
  LiteRtTensorBuffer buffers[4];
  size_t count = 0;
  for (size_t i = 0; i < num_inputs; ++i) buffers[count++] = inputs[i];
  buffers[count++] = outputs[0];
  LiteRtLayout layouts[4];
  float* data[4] = {NULL, NULL, NULL, NULL};
  size_t locked = 0;
  LiteRtStatus status = kLiteRtStatusOk;
  while (status == kLiteRtStatusOk && locked < count) {
    LiteRtTensorBufferLockMode mode = locked + 1 == count ? kLiteRtTensorBufferLockModeWrite
                                                          : kLiteRtTensorBufferLockModeRead;
    status = Lock(buffers[locked], mode, &layouts[locked], &data[locked]);
    if (status == kLiteRtStatusOk) ++locked;
  }
  if (status == kLiteRtStatusOk) {
    status = Convolve((const NsrConvConfig*)user_data, &layouts[0], &layouts[1], data[0],
                      data[1], num_inputs == 3 ? data[2] : NULL, data[count - 1]);
  }
  for (size_t i = 0; i < locked; ++i) LiteRtUnlockTensorBuffer(buffers[i]);
  return status;
}

static LiteRtStatus Destroy(void* user_data) {
  (void)user_data;  // the configs belong to NsrKernels (nsr_destroy_kernels)
  return kLiteRtStatusOk;
}

struct NsrKernels {
  NsrConvConfig configs[4];  // plain, relu, qd8, qd8 relu
  pthreadpool_t threadpool;
};

static const char* const kNames[4] = {NSR_OP_NAME, NSR_OP_NAME_RELU, NSR_OP_NAME_QD8,
                                      NSR_OP_NAME_QD8_RELU};

static const LiteRtCustomOpKernel kDynConv = {Init, GetOutputLayouts, Run, Destroy};

NsrKernels* nsr_add_kernels(LiteRtOptions options, int num_threads) {
  NsrKernels* kernels = (NsrKernels*)calloc(1, sizeof(NsrKernels));
  if (kernels == NULL) return NULL;
  kernels->threadpool = num_threads > 1 ? pthreadpool_create((size_t)num_threads) : NULL;
  for (int i = 0; i < 4; ++i) {
    kernels->configs[i] = (NsrConvConfig){i % 2, i / 2, kernels->threadpool};
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
  if (kernels->threadpool != NULL) pthreadpool_destroy(kernels->threadpool);
  free(kernels);
}
