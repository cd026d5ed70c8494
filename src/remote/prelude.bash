# shisa's remote prelude: the only text the remote shell parses, and it is constant.
# (This file is sent as the argument of `bash --norc -c`; see src/remote/prelude.rs.)
#
# It reads one request from stdin: NUL-terminated fields, never parsed as shell text —
#   shisa-remote-1 · run|argv · N · N × NAME=VALUE · M · M × argument
# (`run`: M = 1, the script, run by `bash --norc -euo pipefail -c`; `argv`: the program and
# its arguments, no shell). `read -d ''` reads a pipe one byte at a time, so it takes the
# request and nothing after it.
#
# The command then runs in its own process group (job control), stdin from /dev/null.
# stdin stays open for as long as shisa wants the command to run: end of file on it —
# shisa stopped it, the local ssh died, the connection or the session went away — makes
# the watcher TERM the group, and KILL it 5 s later. What the command leaves in its group
# when it exits gets 2 s, then TERM, then KILL after 5 s, so nothing it started can keep
# the session (and shisa) waiting. Exit status: the command's (128+N for a signal).
set -u
fail() { printf 'shisa-remote: %s\n' "$1" >&2; exit 253; }
get() { IFS= read -r -d '' "$1" || fail "the request from shisa was cut off"; }
get magic
[[ $magic == shisa-remote-1 ]] || fail "unknown request format (is this shisa's request?)"
get kind
get n
[[ $n =~ ^[0-9]{1,6}$ ]] || fail "bad request: variable count"
envs=()
for ((i = 0; i < n; i++)); do get e; envs+=("$e"); done
get m
[[ $m =~ ^[1-9][0-9]{0,5}$ ]] || fail "bad request: argument count"
args=()
for ((i = 0; i < m; i++)); do get a; args+=("$a"); done
case $kind in
  run) ((m == 1)) || fail "bad request: one script expected"
       cmd=("$BASH" --norc -euo pipefail -c "${args[0]}") ;;
  argv) cmd=("${args[@]}") ;;
  *) fail "bad request: unknown kind" ;;
esac
set -m
# ${a[@]+"${a[@]}"}: an empty array under `set -u` is an error before bash 4.4.
env -- ${envs[@]+"${envs[@]}"} "${cmd[@]}" </dev/null &
pid=$!
{ cat >/dev/null; kill -TERM -- "-$pid"; sleep 5; kill -KILL -- "-$pid"; } <&0 >/dev/null 2>&1 &
watcher=$!
exec >/dev/null 2>&1
wait "$pid"
rc=$?
for ((i = 0; i < 20; i++)); do kill -0 -- "-$pid" || break; sleep 0.1; done
if kill -TERM -- "-$pid"; then
  for ((i = 0; i < 50; i++)); do kill -0 -- "-$pid" || break; sleep 0.1; done
  kill -KILL -- "-$pid"
fi
kill -KILL -- "-$watcher"
exit "$rc"
