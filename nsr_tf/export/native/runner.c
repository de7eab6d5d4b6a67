// A .tflite with nsr-tf's custom ops on LiteRT's CPU path (XNNPACK for the builtin ops),
// through LiteRT's C API: what Python (ctypes, nsr_tf/export/native/__init__.py) and the Android
// app (JNI) call. LiteRT's Python API has no way to register a custom-op kernel.

#define _POSIX_C_SOURCE 200112L  // posix_memalign

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litert/c/litert_common.h"
#include "litert/c/litert_compiled_model.h"
#include "litert/c/litert_environment.h"
#include "litert/c/litert_model.h"
#include "litert/c/litert_opaque_options.h"
#include "litert/c/litert_options.h"
#include "litert/c/litert_tensor_buffer.h"
#include "litert/c/litert_tensor_buffer_requirements.h"
#include "nsr_native.h"

struct NsrModel {
  void* flatbuffer;  // LiteRtCreateModelFromBuffer does not copy it
  LiteRtEnvironment environment;
  LiteRtModel model;
  NsrKernels* kernels;
  LiteRtCompiledModel compiled;
  LiteRtTensorBuffer input, output;
  size_t input_bytes, output_bytes;
};

static void set_error(char* error, size_t error_size, const char* what, LiteRtStatus status) {
  if (error != NULL && error_size > 0) {
    snprintf(error, error_size, "LiteRT: %s failed (status %d)", what, (int)status);
  }
}

static void free_payload(void* payload) { free(payload); }

// LiteRT's CPU options travel as an opaque "xnnpack" option holding TOML text
// (litert/c/options/litert_cpu_options.cc, LrtGetOpaqueCpuOptionsData).
static LiteRtStatus add_cpu_threads(LiteRtOptions options, int num_threads) {
  char* payload = (char*)malloc(64);
  if (payload == NULL) return kLiteRtStatusErrorMemoryAllocationFailure;
  snprintf(payload, 64, "num_threads = %d\n", num_threads);
  LiteRtOpaqueOptions opaque;
  LiteRtStatus status = LiteRtCreateOpaqueOptions("xnnpack", payload, free_payload, &opaque);
  if (status != kLiteRtStatusOk) {
    free(payload);
    return status;
  }
  return LiteRtAddOpaqueOptions(options, opaque);
}

static LiteRtStatus make_buffer(NsrModel* self, int is_input, LiteRtTensorBuffer* buffer,
                                size_t* bytes) {
  LiteRtSubgraph subgraph;
  LiteRtTensor tensor;
  LiteRtRankedTensorType type;
  LiteRtTensorBufferRequirements requirements;
  LiteRtTensorBufferType buffer_type;
  LiteRtStatus status = LiteRtGetModelSubgraph(self->model, 0, &subgraph);
  if (status == kLiteRtStatusOk) {
    status = is_input ? LiteRtGetSubgraphInput(subgraph, 0, &tensor)
                      : LiteRtGetSubgraphOutput(subgraph, 0, &tensor);
  }
  if (status == kLiteRtStatusOk) status = LiteRtGetRankedTensorType(tensor, &type);
  if (status == kLiteRtStatusOk) {
    status = is_input ? LiteRtGetCompiledModelInputBufferRequirements(self->compiled, 0, 0,
                                                                       &requirements)
                      : LiteRtGetCompiledModelOutputBufferRequirements(self->compiled, 0, 0,
                                                                        &requirements);
  }
  if (status == kLiteRtStatusOk) {
    status = LiteRtGetTensorBufferRequirementsSupportedTensorBufferType(requirements, 0,
                                                                        &buffer_type);
  }
  if (status == kLiteRtStatusOk) {
    status = LiteRtGetTensorBufferRequirementsBufferSize(requirements, bytes);
  }
  if (status == kLiteRtStatusOk) {
    status = LiteRtCreateManagedTensorBuffer(self->environment, buffer_type, &type, *bytes,
                                             buffer);
  }
  return status;
}

NsrModel* nsr_model_open(const void* flatbuffer, size_t size, int num_threads, char* error,
                         size_t error_size) {
  NsrModel* self = (NsrModel*)calloc(1, sizeof(NsrModel));
  // 64-byte aligned: a constant tensor's data, at a 64-byte offset in the file
  // (nsr_tf/export/native/rewrite.py), is then aligned as LiteRT's host buffers must be
  if (self == NULL || posix_memalign(&self->flatbuffer, 64, size) != 0) {
    set_error(error, error_size, "allocation", kLiteRtStatusErrorMemoryAllocationFailure);
    free(self);
    return NULL;
  }
  memcpy(self->flatbuffer, flatbuffer, size);
  LiteRtOptions options = NULL;
  const char* step = "LiteRtCreateEnvironment";
  LiteRtStatus status = LiteRtCreateEnvironment(0, NULL, &self->environment);
  if (status == kLiteRtStatusOk) {
    step = "LiteRtCreateModelFromBuffer";
    status = LiteRtCreateModelFromBuffer(self->environment, self->flatbuffer, size,
                                         &self->model);
  }
  if (status == kLiteRtStatusOk) {
    step = "LiteRtCreateOptions";
    status = LiteRtCreateOptions(&options);
  }
  if (status == kLiteRtStatusOk) {
    step = "setting the CPU accelerator";
    status = LiteRtSetOptionsHardwareAccelerators(options, kLiteRtHwAcceleratorCpu);
  }
  if (status == kLiteRtStatusOk && num_threads > 0) {
    step = "setting the CPU threads";
    status = add_cpu_threads(options, num_threads);
  }
  if (status == kLiteRtStatusOk) {
    step = "registering the kernels";
    self->kernels = nsr_add_kernels(options, num_threads);
    if (self->kernels == NULL) status = kLiteRtStatusErrorRuntimeFailure;
  }
  if (status == kLiteRtStatusOk) {
    step = "LiteRtCreateCompiledModel";
    status = LiteRtCreateCompiledModel(self->environment, self->model, options,
                                       &self->compiled);
  }
  if (options != NULL) LiteRtDestroyOptions(options);
  if (status == kLiteRtStatusOk) {
    step = "creating the input buffer";
    status = make_buffer(self, 1, &self->input, &self->input_bytes);
  }
  if (status == kLiteRtStatusOk) {
    step = "creating the output buffer";
    status = make_buffer(self, 0, &self->output, &self->output_bytes);
  }
  if (status != kLiteRtStatusOk) {
    set_error(error, error_size, step, status);
    nsr_model_close(self);
    return NULL;
  }
  return self;
}

size_t nsr_model_input_bytes(const NsrModel* model) { return model->input_bytes; }

size_t nsr_model_output_bytes(const NsrModel* model) { return model->output_bytes; }

static LiteRtStatus copy(LiteRtTensorBuffer buffer, LiteRtTensorBufferLockMode mode,
                         void* to, const void* from, size_t bytes) {
  void* host;
  LiteRtStatus status = LiteRtLockTensorBuffer(buffer, &host, mode);
  if (status != kLiteRtStatusOk) return status;
  memcpy(to != NULL ? to : host, from != NULL ? from : host, bytes);
  return LiteRtUnlockTensorBuffer(buffer);
}

int nsr_model_run(NsrModel* model, const float* input, float* output, char* error,
                  size_t error_size) {
  LiteRtStatus status = kLiteRtStatusOk;
  const char* step = "writing the input";
  if (input != NULL) {
    status = copy(model->input, kLiteRtTensorBufferLockModeWrite, NULL, input,
                  model->input_bytes);
  }
  if (status == kLiteRtStatusOk) {
    step = "LiteRtRunCompiledModel";
    status = LiteRtRunCompiledModel(model->compiled, 0, 1, &model->input, 1, &model->output);
  }
  if (status == kLiteRtStatusOk && output != NULL) {
    step = "reading the output";
    status = copy(model->output, kLiteRtTensorBufferLockModeRead, output, NULL,
                  model->output_bytes);
  }
  if (status != kLiteRtStatusOk) set_error(error, error_size, step, status);
  return status == kLiteRtStatusOk ? 0 : 1;
}

void nsr_model_close(NsrModel* model) {
  if (model == NULL) return;
  if (model->input != NULL) LiteRtDestroyTensorBuffer(model->input);
  if (model->output != NULL) LiteRtDestroyTensorBuffer(model->output);
  if (model->compiled != NULL) LiteRtDestroyCompiledModel(model->compiled);
  nsr_destroy_kernels(model->kernels);
  if (model->model != NULL) LiteRtDestroyModel(model->model);
  if (model->environment != NULL) LiteRtDestroyEnvironment(model->environment);
  free(model->flatbuffer);
  free(model);
}
