// JNI for org.nsrtf.demo.NativeKernel: a .tflite of the native form (nsr-tf's custom ops)
// run through LiteRT's C API with the kernels registered (nsr_tf/export/native/runner.c).
// Checked on the host JVM against the ai-edge-litert wheel's libLiteRt.so
// (android_demo/scripts/jni_host_check.sh); built for Android by CMakeLists.txt.

#include <jni.h>
#include <stdint.h>

#include "nsr_native.h"

static void throw_state(JNIEnv* env, const char* message) {
  jclass type = (*env)->FindClass(env, "java/lang/IllegalStateException");
  if (type != NULL) (*env)->ThrowNew(env, type, message);
}

JNIEXPORT jlong JNICALL Java_org_nsrtf_demo_NativeKernel_open(JNIEnv* env, jclass clazz,
                                                              jbyteArray model, jint threads) {
  (void)clazz;
  char error[512] = "";
  jsize size = (*env)->GetArrayLength(env, model);
  jbyte* bytes = (*env)->GetByteArrayElements(env, model, NULL);
  if (bytes == NULL) return 0;  // OutOfMemoryError pending
  NsrModel* handle = nsr_model_open(bytes, (size_t)size, threads, error, sizeof(error));
  (*env)->ReleaseByteArrayElements(env, model, bytes, JNI_ABORT);  // copied by the runner
  if (handle == NULL) throw_state(env, error);
  return (jlong)(intptr_t)handle;
}

JNIEXPORT jint JNICALL Java_org_nsrtf_demo_NativeKernel_inputFloats(JNIEnv* env, jclass clazz,
                                                                    jlong handle) {
  (void)env, (void)clazz;
  return (jint)(nsr_model_input_bytes((NsrModel*)(intptr_t)handle) / sizeof(float));
}

JNIEXPORT jint JNICALL Java_org_nsrtf_demo_NativeKernel_outputFloats(JNIEnv* env, jclass clazz,
                                                                     jlong handle) {
  (void)env, (void)clazz;
  return (jint)(nsr_model_output_bytes((NsrModel*)(intptr_t)handle) / sizeof(float));
}

JNIEXPORT void JNICALL Java_org_nsrtf_demo_NativeKernel_run(JNIEnv* env, jclass clazz,
                                                            jlong handle, jfloatArray input,
                                                            jfloatArray output) {
  (void)clazz;
  NsrModel* model = (NsrModel*)(intptr_t)handle;
  if ((size_t)(*env)->GetArrayLength(env, input) * sizeof(float) != nsr_model_input_bytes(model) ||
      (size_t)(*env)->GetArrayLength(env, output) * sizeof(float) != nsr_model_output_bytes(model)) {
    throw_state(env, "NativeKernel.run: input or output length differs from the model's");
    return;
  }
  char error[512] = "";
  jfloat* in = (*env)->GetFloatArrayElements(env, input, NULL);
  jfloat* out = (*env)->GetFloatArrayElements(env, output, NULL);
  int failed = in == NULL || out == NULL ||
               nsr_model_run(model, in, out, error, sizeof(error)) != 0;
  if (in != NULL) (*env)->ReleaseFloatArrayElements(env, input, in, JNI_ABORT);
  if (out != NULL) (*env)->ReleaseFloatArrayElements(env, output, out, 0);  // copy back
  if (failed && error[0] != '\0') throw_state(env, error);
}

JNIEXPORT void JNICALL Java_org_nsrtf_demo_NativeKernel_close(JNIEnv* env, jclass clazz,
                                                              jlong handle) {
  (void)env, (void)clazz;
  nsr_model_close((NsrModel*)(intptr_t)handle);
}
