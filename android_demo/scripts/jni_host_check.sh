#!/usr/bin/env bash
# The Android demo's JNI layer (app/src/main/cpp/nsr_jni.c + NativeKernel.java) and the
# native kernel's C sources, built for the host and run on the host JVM against the
# ai-edge-litert wheel's libLiteRt.so and the XNNPACK the kernel links on Linux (built
# once per machine by nsr_tf.export.xnnpack): what can be checked of the "native"
# path without an NDK. The JNI prototypes are checked against javac -h's header.
# Needs: gcc, cmake, ninja, javac/java, a Python with nsr_tf ($PYTHON).
set -euo pipefail
demo=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$demo")
python=${PYTHON:-python3}
native=$repo/nsr_tf/export/native
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
litert=$("$python" -c "from nsr_tf.export.native import litert_dir; print(litert_dir())")
xnnpack_prefix=$("$python" -m nsr_tf.export.xnnpack)
read -r -a xnnpack <<< "$("$python" -m nsr_tf.export.xnnpack --flags)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$demo/scripts/make_native_reference.py" "$work/data"
javac -nowarn -d "$work/classes" -h "$work/jni" \
  "$demo/app/src/main/java/org/nsrtf/demo/NativeKernel.java" \
  "$demo/scripts/NativeKernelHostCheck.java"
# One object per source: the javac -h header goes into nsr_jni.c alone (-include reaches
# every file of one gcc call, and in dyn_conv.c it would come before its _POSIX_C_SOURCE);
# XNNPACK's headers are the built one's, never an older /usr/include/xnnpack.h.
cflags=(-O2 -fno-math-errno -std=c11 -Wall -Werror -fPIC -I "$xnnpack_prefix/include" -I "$native"
        -I "$native/include")
gcc "${cflags[@]}" -include "$work/jni/org_nsrtf_demo_NativeKernel.h" \
  -I "$java_home/include" -I "$java_home/include/linux" \
  -c "$demo/app/src/main/cpp/nsr_jni.c" -o "$work/nsr_jni.o"
gcc "${cflags[@]}" -c "$native/dyn_conv.c" -o "$work/dyn_conv.o"
gcc "${cflags[@]}" -c "$native/runner.c" -o "$work/runner.o"
gcc -shared "$work/nsr_jni.o" "$work/dyn_conv.o" "$work/runner.o" \
  -o "$work/libnsr_native.so" -L "$litert" -l:libLiteRt.so -Wl,-rpath,"$litert" \
  "${xnnpack[@]}"
java -cp "$work/classes" NativeKernelHostCheck "$work/libnsr_native.so" \
  "$work/data/model.tflite" "$work/data/input.f32" "$work/data/expected.f32" 2>&1 \
  | grep -v "^INFO: \|^WARNING: \[" | tee "$work/check.log"
grep -q "^jni_host_check: OK" "$work/check.log"
