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
//   names:   NSR_OP_NAME (no activation), NSR_OP_NAME_RELU (fused ReLU)
// LiteRT's custom-op kernels keep no per-node state (Run sees only the registration's
// user data), so the fused activation is told by the op's name, not by its options.

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

static LiteRtStatus Convolve(const NsrConvConfig* config, const LiteRtLayout* x_layout,
                             const LiteRtLayout* filter_layout, const float* x,
                             const float* filter, const float* bias, float* out) {
  const size_t batch = x_layout->dimensions[0], height = x_layout->dimensions[1],
               width = x_layout->dimensions[2], in_channels = x_layout->dimensions[3];
  const size_t out_channels = filter_layout->dimensions[0];
  const uint32_t kh = filter_layout->dimensions[1], kw = filter_layout->dimensions[2];
  xnn_operator_t op = NULL;
  // TENSORFLOW_SAME_PADDING: XNNPACK pads as TensorFlow's 'SAME' does.
  enum xnn_status status = xnn_create_convolution2d_nhwc_f32(
      0, 0, 0, 0, kh, kw, /*subsampling=*/1, 1, /*dilation=*/1, 1, /*groups=*/1, in_channels,
      out_channels, in_channels, out_channels, filter, bias,
      config->relu ? 0.0f : -INFINITY, INFINITY, XNN_FLAG_TENSORFLOW_SAME_PADDING, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_convolution2d_nhwc_f32(op, batch, height, width, x, out,
                                              config->threadpool);
  }
  if (status == xnn_status_success) status = xnn_run_operator(op, config->threadpool);
  if (op != NULL) xnn_delete_operator(op);
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
  NsrConvConfig plain, relu;
  pthreadpool_t threadpool;
};

static const LiteRtCustomOpKernel kDynConv = {Init, GetOutputLayouts, Run, Destroy};

NsrKernels* nsr_add_kernels(LiteRtOptions options, int num_threads) {
  NsrKernels* kernels = (NsrKernels*)calloc(1, sizeof(NsrKernels));
  if (kernels == NULL) return NULL;
  kernels->threadpool = num_threads > 1 ? pthreadpool_create((size_t)num_threads) : NULL;
  kernels->plain = (NsrConvConfig){0, kernels->threadpool};
  kernels->relu = (NsrConvConfig){1, kernels->threadpool};
  if (LiteRtAddCustomOpKernelOption(options, NSR_OP_NAME, NSR_OP_VERSION, &kDynConv,
                                    &kernels->plain) != kLiteRtStatusOk ||
      LiteRtAddCustomOpKernelOption(options, NSR_OP_NAME_RELU, NSR_OP_VERSION, &kDynConv,
                                    &kernels->relu) != kLiteRtStatusOk) {
    nsr_destroy_kernels(kernels);
    return NULL;
  }
  return kernels;
}

void nsr_destroy_kernels(NsrKernels* kernels) {
  if (kernels == NULL) return;
  if (kernels->threadpool != NULL) pthreadpool_destroy(kernels->threadpool);
  free(kernels);
}
