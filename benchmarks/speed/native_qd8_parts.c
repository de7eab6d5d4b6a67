// Where the time of the native op's dynamically quantized conv goes: the op's own code
// (nsr_tf/export/native/dyn_conv.c, included here) timed step by step on the calls after
// the first (the shape's state kept: dyn_conv.c, "State kept across runs"), against
// XNNPACK's qd8 conv with the weights packed once (what LiteRT's dynamic-int8 file runs
// for a constant conv) and against the float op. One 3x3 conv, batch 1, SIZE x SIZE x C
// in and out, one thread. Built and run by native_qd8_parts.py against the XNNPACK and
// LiteRT the kernel links.
//
//   usage: native_qd8_parts SIZE C RUNS      prints one line of median microseconds

#include "dyn_conv.c"

#include <stdio.h>
#include <time.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

#define CHECK(call)                                                                \
  do {                                                                             \
    if ((call) != xnn_status_success) {                                            \
      fprintf(stderr, "native_qd8_parts: %s failed (line %d)\n", #call, __LINE__); \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

enum { QUANT_FILTER, REPACK, CONVERT, CONV, FLOAT_OP, PACKED_RUN, STATISTICS, QUANT_INPUT,
       STEPS };
static const char* kStepNames[STEPS] = {
    "quantize filter", "repack", "convert input", "setup+run", "float op",
    "qd8 run, weights packed once (+convert)", "pool+min/max", "quantize input"};

static void* aligned(size_t size) {
  void* p = NULL;
  return posix_memalign(&p, 64, size + XNN_EXTRA_BYTES) == 0 ? p : NULL;
}

// The op's first call on this shape: its state made (operator created, reshaped).
static NsrConvState* FirstCall(NsrConvConfig* config, size_t size, size_t c,
                               const float* filter, const float* bias, const float* x,
                               float* out) {
  NsrConvState key;
  memset(&key, 0, sizeof(key));
  key.batch = 1, key.height = size, key.width = size, key.in_channels = c;
  key.out_channels = c, key.kh = 3, key.kw = 3;
  int fresh = 0;
  NsrConvState* state = StateFor(config, &key, &fresh);
  CHECK(Allocate(state, config->qd8));
  memcpy(state->bias, bias, c * sizeof(float));
  if (config->qd8) {
    QuantizeFilter(filter, c, 9 * c, state->q_filter, state->scales, state->sums);
  }
  CHECK(Create(config, state, filter));
  CHECK(Compute(config, state, x, NULL, out));
  if (!state->repack) {
    fprintf(stderr, "native_qd8_parts: the operator cannot be repacked in place\n");
    exit(1);
  }
  return state;
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
  srand(1);
  for (size_t i = 0; i < pixels * c; ++i) x[i] = (float)rand() / RAND_MAX;
  for (size_t i = 0; i < c * per; ++i) filter[i] = (float)rand() / RAND_MAX - 0.5f;
  for (size_t i = 0; i < c; ++i) bias[i] = 0.01f * (float)i;
  double* times[STEPS];
  for (int s = 0; s < STEPS; ++s) times[s] = calloc(runs, sizeof(double));

  NsrConvConfig qd8 = {0}, f32 = {0};
  qd8.qd8 = 1;
  NsrConvState* state = FirstCall(&qd8, size, c, filter, bias, x, out);
  NsrConvState* float_state = FirstCall(&f32, size, c, filter, bias, x, out);

  // the packed-once reference: a constant conv, created and reshaped outside the loop
  int8_t* qfilter = aligned(c * per);
  float* scales = aligned(c * sizeof(float));
  int32_t* sums = aligned(c * sizeof(int32_t));
  float* pooled = aligned(c * sizeof(float));
  int8_t* qx = aligned(pixels * c);
  struct xnn_quantization_params params[1 + XNN_EXTRA_QUANTIZATION_PARAMS];
  QuantizeFilter(filter, c, per, qfilter, scales, sums);
  xnn_operator_t packed = NULL, convert = NULL;
  CHECK(xnn_create_convolution2d_nhwc_qd8_f32_qc8w(
      0, 0, 0, 0, 3, 3, 1, 1, 1, 1, 1, c, c, c, c, scales, qfilter, bias, -INFINITY,
      INFINITY, XNN_FLAG_TENSORFLOW_SAME_PADDING, NULL, NULL, &packed));
  CHECK(xnn_create_convert_nc_f32_qd8(0, &convert));
  CHECK(xnn_reshape_convert_nc_f32_qd8(convert, 1, pixels * c, pixels * c, pixels * c, NULL));
  size_t ws = 0, wa = 0, oh, ow;
  CHECK(xnn_reshape_convolution2d_nhwc_qd8_f32_qc8w(packed, 1, size, size, &ws, &wa, &oh, &ow,
                                                   NULL));
  void* workspace = ws ? aligned(ws) : NULL;

  for (int r = 0; r < runs; ++r) {
    filter[r % (c * per)] += 1e-3f;  // a new filter per call, as the gate gives
    double t = now_us();
    QuantizeFilter(filter, c, per, state->q_filter, state->scales, state->sums);
    times[QUANT_FILTER][r] = now_us() - t;

    t = now_us();
    Repack(&qd8, state, filter);
    times[REPACK][r] = now_us() - t;

    t = now_us();
    CHECK(xnn_setup_convert_nc_f32_qd8(state->convert, x, state->q_x, state->params));
    CHECK(xnn_run_operator(state->convert, NULL));
    times[CONVERT][r] = now_us() - t;

    // the whole-layer op's input: one pass for the gate's pool and the min and max, then
    // the convert's own quantization (its min/max pass left out)
    float minmax[2];
    t = now_us();
    Statistics(x, pixels, c, pooled, minmax);
    times[STATISTICS][r] = now_us() - t;
    t = now_us();
    QuantizeInput(state, x, minmax[0], minmax[1]);
    times[QUANT_INPUT][r] = now_us() - t;

    t = now_us();
    CHECK(xnn_setup_convolution2d_nhwc_qd8_f32_qc8w(state->conv, state->workspace,
                                                   state->q_x, out, state->params));
    CHECK(xnn_run_operator(state->conv, NULL));
    times[CONV][r] = now_us() - t;

    t = now_us();
    Repack(&f32, float_state, filter);
    CHECK(Compute(&f32, float_state, x, NULL, out));
    times[FLOAT_OP][r] = now_us() - t;

    t = now_us();
    CHECK(xnn_setup_convert_nc_f32_qd8(convert, x, qx, params));
    CHECK(xnn_run_operator(convert, NULL));
    CHECK(xnn_setup_convolution2d_nhwc_qd8_f32_qc8w(packed, workspace, qx, out, params));
    CHECK(xnn_run_operator(packed, NULL));
    times[PACKED_RUN][r] = now_us() - t;
  }
  printf("conv %zux%zux%zu 3x3, 1 thread, median of %d (us):", size, size, c, runs);
  for (int s = 0; s < STEPS; ++s) {
    qsort(times[s], runs, sizeof(double), compare);
    printf("%s %s %.1f", s ? ";" : "", kStepNames[s], times[s][runs / 2]);
  }
  printf("\n");
  return 0;
}
