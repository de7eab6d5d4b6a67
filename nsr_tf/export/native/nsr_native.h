// nsr-tf's native sparse-conv kernel for LiteRT (docs/native.md): a custom op that runs the
// per-sample convolution of a SparseConv2D (a conv whose filter is a run-time tensor)
// with XNNPACK, and a small runner of a .tflite that contains it.
//
// Built by nsr_tf/export/native/__init__.py (Linux) and android_demo/app/src/main/cpp
// (CMakeLists.txt, the NDK). Apps that drive LiteRT's C API themselves call
// nsr_add_kernels on their LiteRtOptions before LiteRtCreateCompiledModel.

#ifndef NSR_NATIVE_H_
#define NSR_NATIVE_H_

#include <stddef.h>

#include "litert/c/litert_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NSR_OP_NAME "NsrDynConv2D"          // no activation
#define NSR_OP_NAME_RELU "NsrDynConv2DRelu"  // fused ReLU
// the same, dynamically quantized: int8 filter per output channel, int8 input per call,
// float output
#define NSR_OP_NAME_QD8 "NsrDynConv2DQd8"
#define NSR_OP_NAME_QD8_RELU "NsrDynConv2DQd8Relu"
// the whole sparse layer (gate, eq. 10's aggregation and the conv) in one op: inputs x and
// the layer's constants (dyn_conv.c, "The whole sparse layer in one op")
#define NSR_SPARSE_NAME "NsrSparseConv2D"
#define NSR_SPARSE_NAME_RELU "NsrSparseConv2DRelu"
#define NSR_SPARSE_NAME_QD8 "NsrSparseConv2DQd8"
#define NSR_SPARSE_NAME_QD8_RELU "NsrSparseConv2DQd8Relu"
#define NSR_OP_VERSION 1

typedef struct NsrKernels NsrKernels;

// Registers the custom ops on `options`; `num_threads` > 1 gives them a thread pool of
// their own. Keep the result until the compiled model is destroyed, then
// nsr_destroy_kernels. NULL on failure.
NsrKernels* nsr_add_kernels(LiteRtOptions options, int num_threads);
void nsr_destroy_kernels(NsrKernels* kernels);

// A compiled .tflite (one float32 input, one float32 output) on LiteRT's CPU path with
// the kernels registered. On failure NULL, and `error` holds one line.
typedef struct NsrModel NsrModel;
NsrModel* nsr_model_open(const void* flatbuffer, size_t size, int num_threads, char* error,
                         size_t error_size);
size_t nsr_model_input_bytes(const NsrModel* model);
size_t nsr_model_output_bytes(const NsrModel* model);
// Copies `input` in, runs, copies the output out (a NULL `input` or `output`: that copy
// is skipped, the buffers kept from the last run). 0 on success; otherwise `error` holds
// one line.
int nsr_model_run(NsrModel* model, const float* input, float* output, char* error,
                  size_t error_size);
void nsr_model_close(NsrModel* model);

#ifdef __cplusplus
}
#endif

#endif  // NSR_NATIVE_H_
