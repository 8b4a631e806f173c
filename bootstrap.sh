#!/usr/bin/env bash
# Render a component from this template and prove it healthy: render -> git -> install -> make verify
# (lint, every test, synth gates, local deploy and end-to-end tests) -> with --target aws, a real deploy.
# `./bootstrap.sh --help` explains every option. Template CI runs this same script.
# Started as `sh bootstrap.sh` (dash: Debian's and Ubuntu's sh) or by zsh, the script would stop on a bash
# feature without a word on why: this test reads in any POSIX shell.
if [ -z "${BASH_VERSION:-}" ]; then
  echo "bootstrap.sh is a bash script: run it as ./bootstrap.sh (or bash bootstrap.sh), with bash 4.4 or later" >&2
  exit 2
fi
set -euo pipefail
# bash 4.4 or later: command substitutions keep errexit (inherit_errexit), and an empty list expands to
# nothing under `set -u`. macOS's own bash is 3.2: there this is where the script stops, saying why.
if ! shopt -s inherit_errexit 2>/dev/null; then
  echo "bootstrap.sh needs bash 4.4 or later, this is bash $BASH_VERSION: on macOS, \`brew install bash\`" \
    "(the script runs the first bash on your PATH; Homebrew's folder comes before /bin)" >&2
  exit 2
fi

TEMPLATE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tool="cookiecutter"
output_dir="$PWD/build"
force=false
verify=true
target="local"
answers=()

usage() {
  cat <<EOF
Usage: ./bootstrap.sh [options] [question=answer ...]

Renders a component from the backend component template (a git repository of its own, with a first
commit on main, wherever DIR is), installs it and runs everything its pull requests run (make verify:
lint, types, every test, the synth gates, a local deploy of the synthesized stack and the end-to-end
tests on it), then prints a summary. With --target aws it then deploys the stack to the AWS account
of the current credentials, runs the end-to-end tests there and destroys the stack, also when a step
before failed. It runs without prompting: every question not answered on the command line takes its
default. It installs what it needs itself (uv, then the template's pinned cookiecutter and copier,
into .venv).

Options:
  --tool NAME        cookiecutter (default) or copier; both render the same component
  --output-dir DIR   where the component directory is created (default: ./build)
  --force            replace the component directory if it already exists in DIR
  --skip-verify      render, commit and install only; do not run make verify
  --target NAME      local (default): verify on this machine's emulators only; aws: also deploy to
                     AWS (stack <slug>-dev-bootstrap), run the end-to-end tests there, always destroy
  -h, --help         show this help and exit

Questions (answer as question=value, e.g. component_name="Vehicle Pricing" command_api=false):
EOF
  # The questions come from copier.yml, their one source, so this list cannot fall behind.
  awk '
    /^[a-z][a-z_]*:[[:space:]]*$/ { name = substr($0, 1, index($0, ":") - 1); next }
    name != "" && /^  help:/      { sub(/^  help:[[:space:]]*/, ""); help = $0; next }
    name != "" && /^  default:/   {
      sub(/^  default:[[:space:]]*/, "")
      if ($0 ~ /[{][{]/) $0 = "derived from the answers above"
      printf "  %-16s %s\n  %-16s default: %s\n", name, help, "", $0
      name = ""
    }
  ' "$TEMPLATE_DIR/copier.yml"
  cat <<EOF

Exit status: 0 when every step passed; 1 when a step failed (the summary names it); 2 for bad usage.
EOF
}

fail_usage() {
  echo "bootstrap.sh: $1" >&2
  echo "Run ./bootstrap.sh --help for the options." >&2
  exit 2
}

# The question names, from copier.yml as the help lists them: both tools ignore an answer to a question
# they do not have (a misspelt name rendered the default without a word), so it is refused here.
question_names() {
  awk '/^[a-z][a-z_]*:[[:space:]]*$/ { print substr($0, 1, index($0, ":") - 1) }' "$TEMPLATE_DIR/copier.yml"
}

# check_question NAME=VALUE: refuse (exit 2) an answer whose name is not a question, naming the closest
# question (a few letters off) and every question.
check_question() {
  local name=${1%%=*} known question
  known=$(question_names)
  # Compared in the shell, not piped into `grep -q`: grep stops at its match, and under pipefail the
  # printf still writing to it then dies of SIGPIPE, which refused a known name now and then.
  while IFS= read -r question; do
    [[ $question != "$name" ]] || return 0
  done <<<"$known"
  local closest
  # The edit distance to each question (letters added, removed or changed); the closest within a third
  # of the name's length is suggested.
  closest=$(printf '%s\n' "$known" | awk -v given="$name" '
    function distance(a, b,    i, j, la, lb, cost, row, previous, d) {
      la = length(a); lb = length(b)
      for (j = 0; j <= lb; j++) previous[j] = j
      for (i = 1; i <= la; i++) {
        row[0] = i
        for (j = 1; j <= lb; j++) {
          cost = (substr(a, i, 1) == substr(b, j, 1)) ? 0 : 1
          d = previous[j - 1] + cost
          if (previous[j] + 1 < d) d = previous[j] + 1
          if (row[j - 1] + 1 < d) d = row[j - 1] + 1
          row[j] = d
        }
        for (j = 0; j <= lb; j++) previous[j] = row[j]
      }
      return previous[lb]
    }
    { d = distance(given, $0); if (best == "" || d < best) { best = d; closest = $0 } }
    END { if (best != "" && best * 3 <= length(closest)) print closest }
  ')
  local questions hint=""
  questions=$(printf '%s\n' "$known" | paste -sd ' ' - | sed 's/ /, /g')
  [[ -z $closest ]] || hint=" (did you mean '$closest'?)"
  fail_usage "unknown question '$name'$hint; questions: $questions"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --tool)
      [[ $# -ge 2 ]] || fail_usage "--tool needs a value: cookiecutter or copier"
      tool="$2"; shift 2 ;;
    --tool=*) tool="${1#--tool=}"; shift ;;
    --output-dir)
      [[ $# -ge 2 ]] || fail_usage "--output-dir needs a directory"
      output_dir="$2"; shift 2 ;;
    --output-dir=*) output_dir="${1#--output-dir=}"; shift ;;
    --force) force=true; shift ;;
    --skip-verify) verify=false; shift ;;
    --target)
      [[ $# -ge 2 ]] || fail_usage "--target needs a value: local or aws"
      target="$2"; shift 2 ;;
    --target=*) target="${1#--target=}"; shift ;;
    -*) fail_usage "unknown option '$1'" ;;
    *=*) check_question "$1"; answers+=("$1"); shift ;;
    *) fail_usage "'$1' is neither an option nor a question=answer pair" ;;
  esac
done
case "$tool" in
  cookiecutter | copier) ;;
  *) fail_usage "--tool must be cookiecutter or copier, not '$tool'" ;;
esac
case "$target" in
  local | aws) ;;
  *) fail_usage "--target must be local or aws, not '$target'" ;;
esac

# ------------------------------------------------------------------ step bookkeeping and summary
step_names=()
step_results=()
step_seconds=()
component_dir=""

summary() {
  local status=$1 i
  echo
  echo "== bootstrap summary ($tool) =="
  for i in "${!step_names[@]}"; do
    printf '  %-22s %-6s %6ss\n' "${step_names[$i]}" "${step_results[$i]}" "${step_seconds[$i]}"
  done
  if [[ $status -eq 0 ]]; then
    echo "  component: $component_dir"
    echo
    # Each line works as printed in a new shell: the component's targets fetch the pinned uv themselves.
    echo "Next steps:"
    echo "  cd $(printf '%q' "$component_dir")"
    echo "  make test-unit    # the fast loop: domain, handlers, contracts (no emulator, no deploy)"
    # The component's first commit was made under a stand-in name; the squad's need git to know theirs
    # (hooks/post_gen_project.py prints the same).
    if ! git -C "$component_dir" config user.email >/dev/null 2>&1; then
      echo '  git config --global user.name "Your Name"        # git has no identity yet: your commits need one'
      echo '  git config --global user.email "you@example.com"'
    fi
    # A component in a folder of another repository (own_repository=false, a monorepo) is committed
    # there: its hooks and scripts/uv work from its own top folder only (template ADR 0009).
    local top
    top=$(git -C "$component_dir" rev-parse --show-toplevel 2>/dev/null || true)
    if [[ -n $top && $(cd "$top" && pwd -P) == "$(cd "$component_dir" && pwd -P)" ]]; then
      echo "  make hooks        # run the checks on every commit"
      echo "  make help         # every target"
      echo "  git remote add origin <your repository> && git push -u origin main"
    else
      echo "  make help         # every target"
      if [[ -n $top ]]; then
        echo "  git add --all . && git commit -m 'Add $(basename "$component_dir") from the backend component template'" \
          "  # in the repository at $top; \`make hooks\` does not apply there (template ADR 0009)"
      else
        echo "  # own_repository=false: put this folder in your repository and commit it there (template ADR 0009)"
      fi
    fi
  else
    echo "  FAILED: see the output of the last step above."
  fi
}

# run_step NAME COMMAND...: run and time one step. Any failing command in it (errexit) ends the script;
# the EXIT trap then records the step as failed and prints the summary.
current_step=""
step_started=""

seconds_since() {
  awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

run_step() {
  current_step=$1
  shift
  echo "-- $current_step"
  step_started=$(date +%s.%N)
  "$@"
  step_names+=("$current_step")
  step_results+=("ok")
  step_seconds+=("$(seconds_since "$step_started")")
  current_step=""
}

# Set once a deploy to AWS was started: from then on, the stack is destroyed whatever happens.
deployed_stack=false

on_exit() {
  local status=$?
  if [[ $status -ne 0 && -n $current_step ]]; then
    step_names+=("$current_step")
    step_results+=("FAILED")
    step_seconds+=("$(seconds_since "$step_started")")
    if [[ $deployed_stack == true ]]; then
      destroy_after_failure
    fi
    summary 1
    exit 1
  fi
}

destroy_after_failure() {
  local started
  started=$(date +%s.%N)
  echo "-- make destroy (after the failure)"
  step_names+=("make destroy")
  if component_make destroy STAGE=dev BRANCH=bootstrap; then
    step_results+=("ok")
  else
    step_results+=("FAILED")
  fi
  step_seconds+=("$(seconds_since "$started")")
}
trap on_exit EXIT

# ------------------------------------------------------------------ the steps
install_template_tools() {
  make --no-print-directory -C "$TEMPLATE_DIR" install
}

# A rejected answer must leave nothing behind: not the scratch folder, not an output folder made for it.
discard() {
  rmdir "$scratch"
  local dir=$output_dir
  if [[ -n $first_created ]]; then
    while [[ $dir != "$first_created" ]]; do rmdir "$dir"; dir=$(dirname "$dir"); done
    rmdir "$first_created"
  fi
  return 1
}

# Copier refuses an answer with a traceback of its own internals before the one line that matters:
# show that line alone (the README says what plain copier prints). Any other failure is shown whole.
show_copier_failure() {
  local refusal
  refusal=$(sed -n 's/^ValueError: \(Validation error for question .*\)$/\1/p' "$1")
  if [[ -n $refusal ]]; then
    echo "copier: $refusal" >&2
    echo "Nothing was written." >&2
  else
    cat "$1" >&2
  fi
  rm -f "$1"
}

render() {
  # The highest folder of --output-dir that does not exist yet: everything from there down is ours.
  first_created=""
  local probe=$output_dir
  while [[ ! -e $probe ]]; do first_created=$probe; probe=$(dirname "$probe"); done
  mkdir -p "$output_dir"
  [[ -z $first_created ]] || first_created="$(cd "$first_created" && pwd)"
  output_dir="$(cd "$output_dir" && pwd)"
  # Render into a fresh scratch folder first: the component's name is only known after rendering,
  # and an existing component must never be half-overwritten.
  local rendered copier_log
  # The post-generation step's "cd" would name the scratch folder: the summary prints the next steps.
  export COMPONENT_NEXT_STEPS=off
  scratch="$(mktemp -d "$output_dir/.rendering.XXXXXX")"
  if [[ $tool == cookiecutter ]]; then
    "$TEMPLATE_DIR/.venv/bin/cookiecutter" --no-input "$TEMPLATE_DIR" --output-dir "$scratch" "${answers[@]}" \
      || discard
    rendered="$(find "$scratch" -mindepth 1 -maxdepth 1 -type d)"
  else
    local data=() answer
    for answer in "${answers[@]}"; do data+=(--data "$answer"); done
    # --vcs-ref HEAD: the template as it is checked out here, not its last release tag.
    copier_log="$(mktemp)"
    if ! "$TEMPLATE_DIR/.venv/bin/copier" copy --trust --defaults --vcs-ref HEAD "${data[@]}" \
      "$TEMPLATE_DIR" "$scratch/component" 2>"$copier_log"; then
      show_copier_failure "$copier_log"
      discard
    fi
    rm -f "$copier_log"
    rendered="$scratch/$(sed -n 's/^component_slug: //p' "$scratch/component/.copier-answers.yml")"
    mv "$scratch/component" "$rendered"
  fi
  component_dir="$output_dir/$(basename "$rendered")"
  if [[ -e $component_dir ]]; then
    if [[ $force != true ]]; then
      rm -rf "$scratch"
      echo "bootstrap.sh: $component_dir already exists; use --force to replace it" >&2
      component_dir=""
      return 1
    fi
    rm -rf "$component_dir"
  fi
  mv "$rendered" "$component_dir"
  rmdir "$scratch"
}

component_make() {
  make --no-print-directory -C "$component_dir" "$@"
}

# The component's Makefile finds uv on PATH, else fetches the pinned one into its own .tools/ (as it
# will in any later shell): here, the pinned one the template just installed saves that download.
export PATH="$TEMPLATE_DIR/.venv/bin:$PATH"
unset VIRTUAL_ENV

run_step "template tools" install_template_tools
run_step "render ($tool)" render
run_step "make install" component_make install
if [[ $verify == true ]]; then
  run_step "make verify" component_make verify
fi
if [[ $target == aws ]]; then
  deployed_stack=true
  run_step "make deploy" component_make deploy STAGE=dev BRANCH=bootstrap
  run_step "make e2e (aws)" component_make e2e STAGE=dev BRANCH=bootstrap
  deployed_stack=false
  run_step "make destroy" component_make destroy STAGE=dev BRANCH=bootstrap
fi
summary 0
