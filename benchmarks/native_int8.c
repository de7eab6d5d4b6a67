// Could the native kernel run its conv in int8? One run-time-filter 3x3 conv (64x64, C
// channels in and out, batch 1), each step as the custom op would do it at every run:
//   f32:  XNNPACK f32 convolution created with the run-time kernel (what NsrDynConv2D does)
//   qc8:  input min/max + quantization to int8 (XNNPACK convert), per-output-channel int8
//         weights and int32 bias quantized from the run-time kernel, XNNPACK's qc8
//         convolution, output dequantized (XNNPACK convert).
// The qc8 output scale is taken from the f32 result (an oracle the op would not have):
// XNNPACK of 2022 (Debian's) has no int8 conv with a float output (dynamically quantized
// activations came later, as qd8_f32_qc8w), so this is the best case for speed and error.
// Built and run by benchmarks/native_int8.py; prints median ms and the error.

#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xnnpack.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* values, int n) {
  qsort(values, n, sizeof(double), compare);
  return values[n / 2];
}

#define CHECK(call)                                                  \
  do {                                                               \
    enum xnn_status s_ = (call);                                     \
    if (s_ != xnn_status_success) {                                  \
      fprintf(stderr, "%s failed: status %d\n", #call, (int)s_);     \
      exit(1);                                                       \
    }                                                                \
  } while (0)

static void conv_f32(size_t hw, size_t c, const float* x, const float* w, const float* b,
                     float* y) {
  xnn_operator_t op;
  CHECK(xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 3, 3, 1, 1, 1, 1, 1, c, c, c, c, w, b,
                                          -INFINITY, INFINITY,
                                          XNN_FLAG_TENSORFLOW_SAME_PADDING, &op));
  CHECK(xnn_setup_convolution2d_nhwc_f32(op, 1, hw, hw, x, y, NULL));
  CHECK(xnn_run_operator(op, NULL));
  xnn_delete_operator(op);
}

typedef struct {
  int8_t *xq, *wq, *yq;
  int32_t* bq;
  float* wscale;
  double conv_ms;  // the qc8 convolution alone (create, setup, run) of the last call
} Scratch;

static void conv_qc8(size_t hw, size_t c, const float* x, const float* w, const float* b,
                     float out_scale, float* y, Scratch* s) {
  const size_t n = hw * hw * c, per_out = 9 * c;
  // input: asymmetric int8 over its range
  float lo = 0.0f, hi = 0.0f;
  for (size_t i = 0; i < n; ++i) lo = fminf(lo, x[i]), hi = fmaxf(hi, x[i]);
  float x_scale = (hi - lo) / 255.0f;
  if (x_scale == 0.0f) x_scale = 1.0f;
  int8_t x_zero = (int8_t)lrintf(-128.0f - lo / x_scale);
  xnn_operator_t convert;
  CHECK(xnn_create_convert_nc_f32_qs8(c, c, c, x_scale, x_zero, -128, 127, 0, &convert));
  CHECK(xnn_setup_convert_nc_f32_qs8(convert, hw * hw, x, s->xq, NULL));
  CHECK(xnn_run_operator(convert, NULL));
  xnn_delete_operator(convert);
  // weights: symmetric per output channel; bias in the accumulator's scale
  for (size_t o = 0; o < c; ++o) {
    float m = 0.0f;
    for (size_t i = 0; i < per_out; ++i) m = fmaxf(m, fabsf(w[o * per_out + i]));
    s->wscale[o] = m > 0.0f ? m / 127.0f : 1.0f;
    for (size_t i = 0; i < per_out; ++i) {
      s->wq[o * per_out + i] = (int8_t)lrintf(w[o * per_out + i] / s->wscale[o]);
    }
    s->bq[o] = (int32_t)lrintf(b[o] / (x_scale * s->wscale[o]));
  }
  xnn_operator_t op;
  double start = now_ms();
  CHECK(xnn_create_convolution2d_nhwc_qc8(0, 0, 0, 0, 3, 3, 1, 1, 1, 1, 1, c, c, c, c, x_zero,
                                          x_scale, s->wscale, s->wq, s->bq, 0, out_scale,
                                          -128, 127, XNN_FLAG_TENSORFLOW_SAME_PADDING, &op));
  CHECK(xnn_setup_convolution2d_nhwc_qc8(op, 1, hw, hw, s->xq, s->yq, NULL));
  CHECK(xnn_run_operator(op, NULL));
  xnn_delete_operator(op);
  s->conv_ms = now_ms() - start;
  CHECK(xnn_create_convert_nc_qs8_f32(c, c, c, out_scale, 0, 0, &convert));
  CHECK(xnn_setup_convert_nc_qs8_f32(convert, hw * hw, s->yq, y, NULL));
  CHECK(xnn_run_operator(convert, NULL));
  xnn_delete_operator(convert);
}

int main(int argc, char** argv) {
  const size_t hw = argc > 1 ? (size_t)atoi(argv[1]) : 64;
  const size_t c = argc > 2 ? (size_t)atoi(argv[2]) : 32;
  const int runs = argc > 3 ? atoi(argv[3]) : 200;
  CHECK(xnn_initialize(NULL));
  const size_t n = hw * hw * c, nw = 9 * c * c;
  float *x = malloc(n * 4), *w = malloc(nw * 4), *b = malloc(c * 4);
  float *y = malloc(n * 4), *yq = malloc(n * 4);
  Scratch s = {malloc(n), malloc(nw), malloc(n), malloc(c * 4), malloc(c * 4), 0.0};
  srand(1);
  // a ReLU'd feature map and weight-normalised-scale weights, as inside the network
  for (size_t i = 0; i < n; ++i) x[i] = fmaxf(0.0f, (float)rand() / RAND_MAX - 0.3f);
  for (size_t i = 0; i < nw; ++i) w[i] = ((float)rand() / RAND_MAX - 0.5f) * 0.2f;
  for (size_t i = 0; i < c; ++i) b[i] = ((float)rand() / RAND_MAX - 0.5f) * 0.1f;
  conv_f32(hw, c, x, w, b, y);
  float peak = 0.0f;
  for (size_t i = 0; i < n; ++i) peak = fmaxf(peak, fabsf(y[i]));
  const float out_scale = peak / 127.0f;  // the oracle: from the f32 result
  double* t32 = malloc(runs * sizeof(double));
  double* t8 = malloc(runs * sizeof(double));
  double* t8conv = malloc(runs * sizeof(double));
  for (int r = -5; r < runs; ++r) {  // interleaved, 5 warm-up rounds
    double start = now_ms();
    conv_f32(hw, c, x, w, b, y);
    double mid = now_ms();
    conv_qc8(hw, c, x, w, b, out_scale, yq, &s);
    double end = now_ms();
    if (r >= 0) t32[r] = mid - start, t8[r] = end - mid, t8conv[r] = s.conv_ms;
  }
  double err = 0.0, sig = 0.0, worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double d = yq[i] - y[i];
    err += d * d, sig += (double)y[i] * y[i], worst = fmax(worst, fabs(d));
  }
  printf("conv %zux%zux%zu 3x3, 1 thread, median of %d: f32 %.3f ms, qc8 %.3f ms (ratio %.2f; "
         "the qc8 conv alone %.3f ms, ratio %.2f); qc8 error: max |diff| %.2e of peak %.2e, "
         "SNR %.1f dB\n",
         hw, hw, c, runs, median(t32, runs), median(t8, runs),
         median(t8, runs) / median(t32, runs), median(t8conv, runs),
         median(t8conv, runs) / median(t32, runs), worst, peak, 10.0 * log10(sig / err));
  return 0;
}
