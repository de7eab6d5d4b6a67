#!/usr/bin/env bash
# Offline check of the Android demo, without Gradle or the Android SDK (none can be
# downloaded here; see ../shared/android-sdk/README.md):
#  1. JUnit on the JVM for the pure-Java photo module (tiler, levels, EXIF, resize, the
#     level policy), against the Python library's output on the same inputs;
#  2. compile every Java source against android-23.jar (LiteRT calls against a stub that is
#     kept out of the APK), dex, package with a model in assets (stored uncompressed),
#     align, sign, and check with apksigner verify, zipalign -c and aapt dump badging;
#  3. the native kernel's JNI layer built for the host and run on the host JVM
#     (jni_host_check.sh; needs gcc, cmake and ninja: XNNPACK is built once per machine).
# Needs: aapt zipalign apksigner junit4 (Debian), javac/java/keytool, and a Python with
# nsr_tf installed ($PYTHON, default python3).
set -euo pipefail
demo=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$demo")
jars=${ANDROID_JARS:-$repo/../shared/android-sdk}
android_jar=$jars/com.android.android-23.jar
dx_jar=$jars/com.android.dx-10.0.0.jar
python=${PYTHON:-python3}
junit=/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in aapt zipalign apksigner javac java keytool; do
  command -v "$tool" >/dev/null || { echo "offline_check: missing $tool (apt-get install -y aapt zipalign apksigner junit4)"; exit 1; }
done
[[ -f $android_jar && -f $dx_jar ]] || {
  echo "offline_check: no android.jar / dx.jar in $jars (the default is ../shared/android-sdk" \
    "beside the repository, the maintainers' copy: set ANDROID_JARS to a folder holding" \
    "com.android.android-23.jar and com.android.dx-10.0.0.jar)"; exit 1; }

echo "== 1. JUnit: photo module (JVM)"
"$python" "$demo/scripts/make_tiler_reference.py" "$work/tiler_reference.txt"
"$python" "$demo/scripts/make_levels_reference.py" "$work/levels"
"$python" "$demo/scripts/make_resize_reference.py" "$work/resize_reference.txt"
mkdir -p "$work/test-classes"
javac -nowarn -source 8 -target 8 -d "$work/test-classes" -cp "$junit" \
  $(find "$demo/photo/src" -name '*.java') 2>&1 | grep -v "bootstrap classpath" || true
java -Dtiler.reference="$work/tiler_reference.txt" -Dlevels.reference="$work/levels" \
  -Dresize.reference="$work/resize_reference.txt" \
  -cp "$work/test-classes:$junit" org.junit.runner.JUnitCore org.nsrtf.photo.TilerTest \
  org.nsrtf.photo.LevelsTest org.nsrtf.photo.ResizeTest org.nsrtf.photo.OrientationTest \
  org.nsrtf.photo.PixelsTest org.nsrtf.photo.LevelPolicyTest | tee "$work/junit.log"
grep -q "^OK (" "$work/junit.log"

echo "== 2. APK: compile, dex, package, align, sign, verify"
"$python" "$demo/scripts/make_demo_assets.py" "$work/assets"
mkdir -p "$work/gen" "$work/classes" "$work/stub-classes"
aapt package -f -m -J "$work/gen" -M "$demo/app/src/main/AndroidManifest.xml" \
  -S "$demo/app/src/main/res" -I "$android_jar"
javac -nowarn -source 8 -target 8 -bootclasspath "$android_jar" -d "$work/stub-classes" \
  $(find "$demo/stub" -name '*.java') 2>&1 | grep -v "bootstrap classpath\|warning" || true
javac -nowarn -source 8 -target 8 -bootclasspath "$android_jar" -cp "$work/stub-classes" \
  -d "$work/classes" $(find "$work/gen" "$demo/app/src/main/java" "$demo/photo/src/main" \
  -name '*.java') 2>&1 | grep -v "bootstrap classpath\|warning" || true
[[ -f $work/classes/org/nsrtf/demo/MainActivity.class ]] || { echo "offline_check: compile failed"; exit 1; }
[[ ! -e $work/classes/org/tensorflow ]]   # the stub stays out of the APK
java -jar "$dx_jar" --dex --min-sdk-version=26 --output="$work/classes.dex" "$work/classes"
aapt package -f -M "$demo/app/src/main/AndroidManifest.xml" -S "$demo/app/src/main/res" \
  -A "$work/assets" -0 tflite -I "$android_jar" -F "$work/app.unsigned.apk"
(cd "$work" && aapt add app.unsigned.apk classes.dex >/dev/null)
zipalign -f -p 4 "$work/app.unsigned.apk" "$work/app.aligned.apk"
keytool -genkeypair -keystore "$work/debug.keystore" -storepass android -keypass android \
  -alias debug -keyalg RSA -keysize 2048 -validity 1 -dname "CN=nsr-tf debug" >/dev/null 2>&1
apksigner sign --ks "$work/debug.keystore" --ks-pass pass:android --out "$work/app.apk" \
  "$work/app.aligned.apk"
apksigner verify "$work/app.apk"
zipalign -c 4 "$work/app.apk"
aapt dump badging "$work/app.apk" | tee "$work/badging.txt" | grep -E "^package|launchable"
grep -q "launchable-activity: name='org.nsrtf.demo.MainActivity'" "$work/badging.txt"
unzip -v "$work/app.apk" | grep -E "assets/.*\.tflite" | tee "$work/models.txt"
grep -q "Stored" "$work/models.txt"    # uncompressed, so LiteRT can memory-map it
! grep -v "Stored" "$work/models.txt" | grep -q "\.tflite$"   # every one of them
grep -q "_gpu\.tflite" "$work/models.txt"   # the GPU-form files ride along
grep -q "_native\.tflite" "$work/models.txt"   # and the native-form ones
unzip -l "$work/app.apk" > "$work/listing.txt"
grep -q "assets/.*\.tflite\.json" "$work/listing.txt"
[[ -z ${KEEP_APK:-} ]] || cp "$work/app.apk" "$KEEP_APK"

echo "== 3. the native kernel's JNI on the host JVM (no NDK here)"
PYTHON="$python" bash "$demo/scripts/jni_host_check.sh"
echo "offline_check: OK ($(stat -c %s "$work/app.apk") bytes APK)"
