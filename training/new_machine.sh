#!/usr/bin/env bash
# A machine for the training queue from nothing but the repository and ../shared beside
# it: the virtual environment, the training and test folders of docs/training_data.md in
# ~/data (rebuilt and checked against the manifests; the queue's commands name them), then
# the queue (docs/training_queue.md) in the background, unless a runner already goes.
# Rerunning it is harmless: what is there is kept and checked.
#
#   bash training/new_machine.sh          # then: python training/run_queue.py --status
#
# A machine keeps ~/jobs only as long as it lives (docs/training_queue.md); the runner
# resumes each job it finds there.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
data=$HOME/data
if [[ ! -d $shared/CBSD432 ]]; then
  echo "new_machine.sh: no $shared/CBSD432 beside the repository" >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || python3.11 -m venv .venv
. .venv/bin/activate
pip install -q -e ".[test,beam]"
# CBSD432 without the images that are test images (by content: nsr_tf.data.overlap)
tests=()
for set in BSD100 CBSD68 Kodak24 Set5 Set14 Set12 classic5 RNI15; do
  tests+=(--test "$shared/$set")
done
python -m nsr_tf.data.overlap --train "$shared/CBSD432" "${tests[@]}" \
    --clean "$data/CBSD432-clean" > /dev/null
# the photographs the runs train on, as the manifests list them
python - "$data/CBSD432-clean" docs/training_data/cbsd432_clean.sha256 \
    "$shared/T91" docs/training_data/t91.sha256 <<'EOF'
import sys
from nsr_tf.data.sources import check_manifest
for folder, manifest in zip(sys.argv[1::2], sys.argv[2::2]):
    print(f"{folder}: the {check_manifest(folder, manifest)} images of {manifest}")
EOF
python -m nsr_tf.data.synthetic --out "$data/graphics" --graphics 300 \
    --check docs/training_data/graphics.sha256
python -m nsr_tf.data.synthetic --out "$data/saturated" --saturated-from "$data/CBSD432-clean" \
    --check docs/training_data/saturated.sha256
# photographs and artwork from Debian's wallpaper packages (nsr_tf/data/wallpapers.py):
# the pinned .deb files from the machine's apt sources, then the tiles, checked
mkdir -p "$data/debs"
(cd "$data/debs" && apt-get download $(python -m nsr_tf.data.wallpapers --packages) \
    > /dev/null 2>&1) || true     # the tool below names any .deb still missing
wallpapers() {   # KIND FOLDER MANIFEST: a failure here stops only the runs that use it
  python -m nsr_tf.data.wallpapers --debs "$data/debs" --kind "$1" --out "$data/$2" \
      --check "$3" || echo "new_machine.sh: the runs that train on ~/data/$2 stop with a" \
                           "message until this is mended and rerun" >&2
}
wallpapers photo wallpaper-photos docs/training_data/wallpaper_photos.sha256
wallpapers art wallpaper-art docs/training_data/wallpaper_art.sha256
# the test sets of other kinds (docs/generalisation.md), never trained on
python -m nsr_tf.data.synthetic --out "$data/kodak24-saturated" --saturated-from \
    "$shared/Kodak24" --seed 1 --check docs/training_data/kodak24_saturated.sha256
python -m nsr_tf.data.synthetic --out "$data/graphics-test" --graphics 30 --seed 1 \
    --check docs/training_data/graphics_test.sha256
# B100 in two parts: the 32 images inside CBSD432 and the 68 others (docs/super_resolution.md)
python -m nsr_tf.data.overlap --train "$shared/CBSD432" --test "$shared/BSD100" \
    --seen "$data/B100-seen" --unseen "$data/B100-unseen" > /dev/null
mkdir -p "$HOME/jobs"
if pgrep -f training/run_queue.py > /dev/null; then
  echo "new_machine.sh: a queue runner is already going (python training/run_queue.py --status)"
else
  nohup setsid python training/run_queue.py >> "$HOME/jobs/queue.log" 2>&1 < /dev/null &
  echo "new_machine.sh: queue started (python training/run_queue.py --status; its log: ~/jobs/queue.log)"
fi
# the native kernel's XNNPACK (the native tests and exports; minutes, once per machine)
nice -n 19 python -m nsr_tf.export.xnnpack > /dev/null
