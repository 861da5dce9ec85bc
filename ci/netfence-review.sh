#!/usr/bin/env bash
# netfence review of a change in a git checkout: the head is the working tree, the base is the
# same paths at a commit (a pull request's base). Run by the GitHub Action (action.yml); works
# in any CI with git and bash. Documented in docs/ci.md.
#
# Environment:
#   NETFENCE_PATHS         manifest files or directories, relative to the repository root,
#                          separated by spaces (required)
#   NETFENCE_BASE_REF      the base commit or ref; empty: review the head alone (no diff)
#   NETFENCE_REQUIREMENTS  a requirements file (kind: Requirements), optional
#   NETFENCE_CONFIG        the review configuration (kind: Config), optional
#   NETFENCE_FORMATS       reports to write besides the log: any of sarif md codequality json
#                          record (default: sarif md)
#   NETFENCE_OUT_DIR       where the reports go (default: netfence-review)
#   NETFENCE               the netfence binary (default: netfence on PATH)
#   NETFENCE_EXIT_ZERO     1: exit 0 whatever the verdict (the caller reads `exit-code`)
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY  when set (GitHub Actions): the outputs verdict,
#                          exit-code, sarif, markdown and the markdown as the job summary
#
# Exit code: netfence's (0 pass or warn, 1 fail, 2 usage or input error), or 0 with
# NETFENCE_EXIT_ZERO=1.
set -euo pipefail

netfence=${NETFENCE:-netfence}
out=${NETFENCE_OUT_DIR:-netfence-review}
formats=${NETFENCE_FORMATS:-sarif md}
read -r -a paths <<< "${NETFENCE_PATHS:-}"
if [ ${#paths[@]} -eq 0 ]; then
  echo "netfence-review: set NETFENCE_PATHS to the manifest files or directories to review" >&2
  exit 2
fi

args=("${paths[@]}")
[ -n "${NETFENCE_REQUIREMENTS:-}" ] && args+=(--requirements "$NETFENCE_REQUIREMENTS")
[ -n "${NETFENCE_CONFIG:-}" ] && args+=(--config "$NETFENCE_CONFIG")

base_dir=
cleanup() { [ -n "$base_dir" ] && rm -rf "$base_dir"; }
trap cleanup EXIT
if [ -n "${NETFENCE_BASE_REF:-}" ]; then
  ref=$NETFENCE_BASE_REF
  if ! git rev-parse --quiet --verify "$ref^{commit}" > /dev/null; then
    # a shallow checkout (actions/checkout fetches one commit): fetch the base commit alone
    git fetch --quiet --no-tags --depth=1 origin "$ref"
    ref=FETCH_HEAD
  fi
  base_dir=$(mktemp -d)
  base=()
  for path in "${paths[@]}"; do
    if git cat-file -e "$ref:${path#./}" 2> /dev/null; then
      git archive --format=tar "$ref" -- "${path#./}" | tar -x -C "$base_dir"
      base+=("$base_dir/${path#./}")
    fi
  done
  if [ ${#base[@]} -eq 0 ]; then
    # none of the paths exists at the base: everything is new
    printf '# no manifests at the base\n' > "$base_dir/none.yaml"
    base=("$base_dir/none.yaml")
  fi
  args+=(--base "${base[@]}")
fi

mkdir -p "$out"
status=0
NO_COLOR=1 "$netfence" review "${args[@]}" | tee "$out/netfence-review.txt" || status=$?
verdict=$(sed -n 's/^verdict: \([a-z]*\).*/\1/p' "$out/netfence-review.txt" | tail -n 1)

declare -A names=([sarif]=netfence.sarif [md]=netfence-review.md [codequality]=gl-code-quality-report.json
  [json]=netfence-review.json [record]=netfence-record.json)
for format in $formats; do
  name=${names[$format]:-}
  if [ -z "$name" ]; then
    echo "netfence-review: unknown format \`$format\` in NETFENCE_FORMATS (sarif md codequality json record)" >&2
    exit 2
  fi
  # 0 and 1 are verdicts (pass or warn, fail); 2 is an input error, already reported above
  [ "$status" -eq 2 ] && break
  code=0
  "$netfence" review "${args[@]}" -o "$format" --output "$out/$name" || code=$?
  [ "$code" -le 1 ] || exit "$code"
done

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=${verdict:-error}"
    echo "exit-code=$status"
    if [ -f "$out/netfence.sarif" ]; then echo "sarif=$out/netfence.sarif"; fi
    if [ -f "$out/netfence-review.md" ]; then echo "markdown=$out/netfence-review.md"; fi
  } >> "$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/netfence-review.md" ]; then
  cat "$out/netfence-review.md" >> "$GITHUB_STEP_SUMMARY"
fi

if [ "${NETFENCE_EXIT_ZERO:-}" = 1 ]; then
  exit 0
fi
exit "$status"
