// The qd8 op's own packing of a new filter into a kept operator (dyn_conv.c Repack, with
// PackQc8w) against XNNPACK's packing at create (xnn_pack_qs8_conv_goki_w), byte for byte:
// for each shape, an operator is created with filter A, then repacked with filter B, and
// its packed weights must equal those of an operator created with B. Built and run by
// tests/export/test_native.py with the kernel library's own command line.
//
//   usage: native_pack_check        prints one line per case; exit 1 on a difference

#include "dyn_conv.c"

#include <stdio.h>

static void Fill(float* values, size_t count, unsigned seed) {
  srand(seed);
  for (size_t i = 0; i < count; ++i) values[i] = (float)rand() / RAND_MAX - 0.5f;
  values[seed % count] = 0.0f;  // a zero, and (below) a channel of zeros
}

// A kept state of this shape holding `filter`, through the op's own first call.
static NsrConvState* Created(NsrConvConfig* config, const NsrConvState* key,
                             const float* filter, const float* bias) {
  int fresh = 0;
  NsrConvState* state = StateFor(config, key, &fresh);
  const size_t per_channel = (size_t)key->kh * key->kw * key->in_channels;
  if (!fresh || Allocate(state, 1) != xnn_status_success) return NULL;
  memcpy(state->bias, bias, key->out_channels * sizeof(float));
  QuantizeFilter(filter, key->out_channels, per_channel, state->q_filter, state->scales,
                 state->sums);
  return Create(config, state, filter) == xnn_status_success && state->repack ? state : NULL;
}

static size_t PackedBytes(const NsrConvState* state) {
  const struct xnn_operator* op = state->conv;
  const size_t nr = op->ukernel.igemm.nr, skr = op->ukernel.igemm.kr * op->ukernel.igemm.sr;
  const size_t k_stride = (state->in_channels + skr - 1) / skr * skr;
  const size_t blocks = (state->out_channels + nr - 1) / nr;
  return blocks * nr * ((size_t)state->kh * state->kw * k_stride + sizeof(int32_t) +
                        2 * sizeof(float));
}

// PackQc8w alone against xnn_pack_qs8_conv_goki_w for micro-kernel geometries other than
// this machine's (the phone's arm64 qd8 kernels take kr 4, 8 or 16 and sr 1 or 4), both
// writing into zeroed memory; 0 when equal.
static int SameAsXnnpack(size_t cin, size_t cout, size_t ks, size_t nr, size_t kr,
                         size_t sr) {
  const size_t per_channel = ks * cin, count = cout * per_channel;
  const size_t k_stride = (cin + kr * sr - 1) / (kr * sr) * (kr * sr);
  const size_t extra = 2 * sizeof(float);
  const size_t bytes = (cout + nr - 1) / nr * nr * (ks * k_stride + sizeof(int32_t) + extra);
  float* filter = malloc(count * sizeof(float));
  int8_t* q = malloc(count);
  float* scales = malloc(cout * sizeof(float));
  int32_t* sums = malloc(cout * sizeof(int32_t));
  int8_t* got = calloc(bytes, 1);
  int8_t* want = calloc(bytes, 1);
  Fill(filter, count, (unsigned)(cin * 31 + cout));
  QuantizeFilter(filter, cout, per_channel, q, scales, sums);
  const struct xnn_qs8_packing_params packing = {.input_zero_point = 1};
  xnn_pack_qs8_conv_goki_w(1, cout, ks, cin, nr, kr, sr, q, NULL, NULL, want, nr * extra,
                           &packing);
  PackQc8w(q, sums, cout, ks, cin, nr, kr, sr, got, nr * extra);
  const int different = memcmp(got, want, bytes) != 0;
  printf("PackQc8w %zu->%zu ks %zu (nr %zu kr %zu sr %zu): %zu bytes, %s\n", cin, cout, ks,
         nr, kr, sr, bytes, different ? "DIFFERENT" : "equal");
  free(filter), free(q), free(scales), free(sums), free(got), free(want);
  return different;
}

int main(void) {
  // (in, out, kh, kw): the presets' 3x3 and 1x1 convs, and channel counts that leave
  // partial blocks of nr output channels and partial runs of kr input channels
  const size_t shapes[][4] = {{32, 32, 3, 3}, {64, 64, 3, 3}, {3, 32, 3, 3}, {32, 3, 3, 3},
                              {13, 21, 3, 3}, {32, 128, 1, 1}, {5, 7, 1, 3}};
  if (xnn_initialize(NULL) != xnn_status_success) return 2;
  int failures = 0;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
    NsrConvState key;
    memset(&key, 0, sizeof(key));
    key.batch = 1, key.height = 9, key.width = 11;
    key.in_channels = shapes[s][0], key.out_channels = shapes[s][1];
    key.kh = (uint32_t)shapes[s][2], key.kw = (uint32_t)shapes[s][3];
    const size_t per_channel = shapes[s][2] * shapes[s][3] * shapes[s][0];
    const size_t count = shapes[s][1] * per_channel;
    float* a = malloc(count * sizeof(float));
    float* b = malloc(count * sizeof(float));
    float* bias_a = malloc(shapes[s][1] * sizeof(float));
    float* bias_b = malloc(shapes[s][1] * sizeof(float));
    Fill(a, count, 1 + (unsigned)s), Fill(b, count, 100 + (unsigned)s);
    memset(b, 0, per_channel * sizeof(float));  // B's first channel all zeros
    Fill(bias_a, shapes[s][1], 7), Fill(bias_b, shapes[s][1], 8);
    NsrConvConfig kept = {0}, reference = {0};
    kept.qd8 = reference.qd8 = 1;
    NsrConvState* state = Created(&kept, &key, a, bias_a);
    NsrConvState* expected = Created(&reference, &key, b, bias_b);
    if (state == NULL || expected == NULL) {
      printf("shape %zu: the operator could not be created or kept\n", s);
      return 2;
    }
    memcpy(state->bias, bias_b, shapes[s][1] * sizeof(float));
    QuantizeFilter(b, shapes[s][1], per_channel, state->q_filter, state->scales, state->sums);
    Repack(&kept, state, b);
    const size_t bytes = PackedBytes(state);
    const uint8_t* got = state->conv->packed_weights.pointer;
    const uint8_t* want = expected->conv->packed_weights.pointer;
    size_t first = bytes;
    for (size_t i = 0; i < bytes && first == bytes; ++i) {
      if (got[i] != want[i]) first = i;
    }
    printf("%zux%zu %zu->%zu (nr %zu kr %zu sr %zu): %zu bytes, %s", shapes[s][2],
           shapes[s][3], shapes[s][0], shapes[s][1], (size_t)state->conv->ukernel.igemm.nr,
           (size_t)state->conv->ukernel.igemm.kr, (size_t)state->conv->ukernel.igemm.sr,
           bytes, first == bytes ? "equal\n" : "DIFFERENT");
    if (first != bytes) printf(" from byte %zu\n", first), ++failures;
    Release(state), Release(expected);
    free(a), free(b), free(bias_a), free(bias_b);
  }
  const size_t geometries[][3] = {{16, 8, 1}, {8, 8, 1}, {16, 4, 1}, {8, 2, 4}, {16, 4, 4},
                                  {32, 16, 1}, {4, 8, 2}};
  const size_t layers[][3] = {{32, 32, 9}, {13, 21, 9}, {3, 5, 3}};
  for (size_t g = 0; g < sizeof(geometries) / sizeof(geometries[0]); ++g) {
    for (size_t l = 0; l < sizeof(layers) / sizeof(layers[0]); ++l) {
      failures += SameAsXnnpack(layers[l][0], layers[l][1], layers[l][2], geometries[g][0],
                                geometries[g][1], geometries[g][2]);
    }
  }
  return failures ? 1 : 0;
}
