// Where the time of the native op's dynamically quantized conv goes: each step that
// NsrDynConv2DQd8 (nsr_tf/export/native/dyn_conv.c) takes at every run, timed on its own,
// against XNNPACK's qd8 conv with the weights packed once (what LiteRT's dynamic-int8
// file runs for a constant conv) and against the float op's steps. One 3x3 conv, batch
// 1, SIZE x SIZE x C in and out, one thread. Built and run by native_qd8_parts.py against
// the XNNPACK the kernel links (nsr_tf.export.xnnpack).
//
//   usage: native_qd8_parts SIZE C RUNS      prints one line of median microseconds

#define _POSIX_C_SOURCE 200112L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xnnpack.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != xnn_status_success) {                                      \
      fprintf(stderr, "native_qd8_parts: %s failed (line %d)\n", #call, __LINE__); \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

enum { QUANT_FILTER, CONVERT, CREATE, SETUP, RUN, DELETE, FLOAT_CREATE, FLOAT_RUN,
       PACKED_RUN, STEPS };
static const char* kNames[STEPS] = {
    "quantize filter", "convert input", "create (packs int8)", "reshape+setup",
    "qd8 run", "delete", "float create (packs)", "float reshape+setup+run",
    "qd8 run, weights packed once (+convert)"};

static void* aligned(size_t size) {
  void* p = NULL;
  return posix_memalign(&p, 64, size + XNN_EXTRA_BYTES) == 0 ? p : NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: native_qd8_parts SIZE C RUNS\n");
    return 2;
  }
  const size_t size = (size_t)atoi(argv[1]), c = (size_t)atoi(argv[2]);
  const int runs = atoi(argv[3]);
  CHECK(xnn_initialize(NULL));
  const size_t pixels = size * size, per = 9 * c;
  float* x = aligned(pixels * c * sizeof(float));
  float* out = aligned(pixels * c * sizeof(float));
  float* filter = aligned(c * per * sizeof(float));
  float* bias = aligned(c * sizeof(float));
  int8_t* qfilter = aligned(c * per);
  float* scales = aligned(c * sizeof(float));
  int8_t* qx = aligned(pixels * c);
  struct xnn_quantization_params params[1 + XNN_EXTRA_QUANTIZATION_PARAMS];
  srand(1);
  for (size_t i = 0; i < pixels * c; ++i) x[i] = (float)rand() / RAND_MAX;
  for (size_t i = 0; i < c * per; ++i) filter[i] = (float)rand() / RAND_MAX - 0.5f;
  for (size_t i = 0; i < c; ++i) bias[i] = 0.01f * (float)i;
  double* times[STEPS];
  for (int s = 0; s < STEPS; ++s) times[s] = calloc(runs, sizeof(double));

  // the packed-once reference: created outside the loop
  xnn_operator_t packed = NULL;
  for (size_t o = 0; o < c; ++o) scales[o] = 1.0f / 127.0f;
  for (size_t i = 0; i < c * per; ++i) qfilter[i] = (int8_t)lrintf(filter[i] * 127.0f);
  CHECK(xnn_create_convolution2d_nhwc_qd8_f32_qc8w(
      1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, c, c, c, c, scales, qfilter, bias, -INFINITY,
      INFINITY, 0, NULL, NULL, &packed));
  xnn_operator_t convert = NULL;
  CHECK(xnn_create_convert_nc_f32_qd8(0, &convert));

  for (int r = 0; r < runs; ++r) {
    double t = now_us();
    for (size_t o = 0; o < c; ++o) {
      const float* w = filter + o * per;
      float peak = 0.0f;
      for (size_t i = 0; i < per; ++i) peak = fmaxf(peak, fabsf(w[i]));
      const float scale = peak > 0.0f ? peak / 127.0f : 1.0f;
      const float inverse = 1.0f / scale;  // as dyn_conv.c's QuantizeFilter
      scales[o] = scale;
      int8_t* q = qfilter + o * per;
      for (size_t i = 0; i < per; ++i) q[i] = (int8_t)lrintf(w[i] * inverse);
    }
    times[QUANT_FILTER][r] = now_us() - t;

    t = now_us();   // as the op does it: a convert operator made and dropped per call
    xnn_operator_t call_convert = NULL;
    CHECK(xnn_create_convert_nc_f32_qd8(0, &call_convert));
    CHECK(xnn_reshape_convert_nc_f32_qd8(call_convert, 1, pixels * c, pixels * c,
                                         pixels * c, NULL));
    CHECK(xnn_setup_convert_nc_f32_qd8(call_convert, x, qx, params));
    CHECK(xnn_run_operator(call_convert, NULL));
    xnn_delete_operator(call_convert);
    times[CONVERT][r] = now_us() - t;

    xnn_operator_t op = NULL;
    t = now_us();
    CHECK(xnn_create_convolution2d_nhwc_qd8_f32_qc8w(
        1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, c, c, c, c, scales, qfilter, bias, -INFINITY,
        INFINITY, 0, NULL, NULL, &op));
    times[CREATE][r] = now_us() - t;

    size_t ws = 0, wa = 0, oh, ow;
    t = now_us();
    CHECK(xnn_reshape_convolution2d_nhwc_qd8_f32_qc8w(op, 1, size, size, &ws, &wa, &oh, &ow,
                                                     NULL));
    void* workspace = ws ? aligned(ws) : NULL;
    CHECK(xnn_setup_convolution2d_nhwc_qd8_f32_qc8w(op, workspace, qx, out, params));
    times[SETUP][r] = now_us() - t;

    t = now_us();
    CHECK(xnn_run_operator(op, NULL));
    times[RUN][r] = now_us() - t;

    t = now_us();
    xnn_delete_operator(op);
    free(workspace);
    times[DELETE][r] = now_us() - t;

    xnn_operator_t fop = NULL;
    t = now_us();
    CHECK(xnn_create_convolution2d_nhwc_f32(1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, c, c, c, c,
                                            filter, bias, -INFINITY, INFINITY, 0, NULL, NULL,
                                            &fop));
    times[FLOAT_CREATE][r] = now_us() - t;
    t = now_us();
    CHECK(xnn_reshape_convolution2d_nhwc_f32(fop, 1, size, size, &ws, &wa, &oh, &ow, NULL));
    workspace = ws ? aligned(ws) : NULL;
    CHECK(xnn_setup_convolution2d_nhwc_f32(fop, workspace, x, out));
    CHECK(xnn_run_operator(fop, NULL));
    times[FLOAT_RUN][r] = now_us() - t;
    xnn_delete_operator(fop);
    free(workspace);

    t = now_us();
    CHECK(xnn_reshape_convert_nc_f32_qd8(convert, 1, pixels * c, pixels * c, pixels * c,
                                         NULL));
    CHECK(xnn_setup_convert_nc_f32_qd8(convert, x, qx, params));
    CHECK(xnn_run_operator(convert, NULL));
    CHECK(xnn_reshape_convolution2d_nhwc_qd8_f32_qc8w(packed, 1, size, size, &ws, &wa, &oh,
                                                     &ow, NULL));
    workspace = ws ? aligned(ws) : NULL;
    CHECK(xnn_setup_convolution2d_nhwc_qd8_f32_qc8w(packed, workspace, qx, out, params));
    CHECK(xnn_run_operator(packed, NULL));
    times[PACKED_RUN][r] = now_us() - t;
    free(workspace);
  }
  printf("conv %zux%zux%zu 3x3, 1 thread, median of %d (us):", size, size, c, runs);
  for (int s = 0; s < STEPS; ++s) {
    qsort(times[s], runs, sizeof(double), compare);
    printf("%s %s %.1f", s ? ";" : "", kNames[s], times[s][runs / 2]);
  }
  printf("\n");
  return 0;
}
