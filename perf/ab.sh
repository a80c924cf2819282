#!/usr/bin/env bash
# A/B the pipeline and parse benches of two builds side by side, in one run, alternating
# A and B each round so drift in machine load hits both alike.
#
#   perf/ab.sh DIR_A DIR_B [ROUNDS]
#
# Each DIR holds the bench executables `pipeline` and `parse`, copied from
# target/release/deps/ after `cargo bench --no-run --bench pipeline --bench parse` in each
# checkout (strip them to carry them to another host). The parse bench reads its frames from
# the checkout it was built in (CARGO_MANIFEST_DIR/tests/fixtures): build both where those
# paths exist on the host that runs this, or link them there.
# Output: one block per round and build; compare the medians across rounds.
set -euo pipefail
a=${1:?DIR_A}
b=${2:?DIR_B}
rounds=${3:-3}
for round in $(seq 1 "$rounds"); do
  for side in A B; do
    dir=$a
    [ "$side" = B ] && dir=$b
    echo "=== round $round build $side ($dir)"
    # The parse bench's own paired rounds (printed before criterion starts); the filter
    # matches no criterion bench, so only those run.
    "$dir/parse" --bench no-criterion-bench 2>&1 | grep -E '^paired|^  (simd|serde)' || true
    "$dir/pipeline" --bench 2>&1 | grep -E '^pipeline/|frame_to_intent|decide|parse|ring_wait'
  done
done
