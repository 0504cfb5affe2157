#!/usr/bin/env bash
# Runs the README's two commands the way a new user would: on a minbase Debian 12 root that
# has never seen the project, with the current commit cloned into root's home (mode 700) and
# ../shared beside it, as root inside chroot. CI's machine already holds every package and a
# world-readable checkout, so it cannot see what this sees.
#
#   scripts/fresh-check.sh [--root DIR] [--keep] [--repeat N] [--tests-only]
#
#   --root DIR    build the root in DIR and keep it, or reuse the one a previous run left
#                 there (its packages stay, the clone moves to the current commit, build/ and
#                 runs/, main.sh's earlier campaigns and reports, stay)
#   --keep [DIR]  keep the root afterwards (with DIR: same as --root DIR); by default a new
#                 root under /var/tmp/fissure-fresh is made, and deleted at the end
#   --repeat N    run `bash scripts/test.sh` N times (default 1)
#   --tests-only  skip `bash scripts/main.sh`
#
# Exit 0 only if every command passed. Needs root on a Debian machine with network access to
# the Debian mirror its apt uses.
set -euo pipefail

repo="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
base=/var/tmp/fissure-fresh
root=""
keep=0
repeat=1
run_main=1
while (($#)); do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --keep)
      keep=1
      if [[ $# -ge 2 && "$2" != --* ]]; then root="$2"; shift; fi
      shift ;;
    --repeat) repeat="${2:?--repeat needs a count}"; shift 2 ;;
    --tests-only) run_main=0; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "fresh-check: --repeat: '$repeat' is not a positive count" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "fresh-check: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }

if [[ -n "$root" ]]; then
  keep=1  # a root the user named is theirs
else
  mkdir -p "$base"
  root="$(mktemp -d "$base/root.XXXXXX")"
fi
mkdir -p "$root"
root="$(cd "$root" && pwd)"
case "$root" in
  "$repo"|"$repo"/*) echo "fresh-check: the root must not be inside the repository ($repo)" >&2; exit 2 ;;
  /) echo "fresh-check: refusing / as the root" >&2; exit 2 ;;
esac

mounts=()
# Anything still mounted under the root is unmounted (lazily, innermost first) before the
# root may be removed; the removal never crosses into another file system either, so a bind
# of the host's /dev that failed to unmount cannot be emptied through the root.
mounted_under() { awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo; }
cleanup() {
  local rc=$? pids p i
  [[ $BASHPID -eq $$ ]] || exit "$rc"  # a background subshell's end is not the script's
  trap - EXIT INT TERM
  set +e  # every step runs, whatever the one before it did
  # Processes started inside the root (a service a package's postinst started, a leftover
  # of a test) hold the mounts; they are this script's own descendants. A build still
  # forks while it dies, so until none is left.
  for ((i = 0; i < 50; i++)); do
    pids=()
    for p in /proc/[0-9]*; do
      if [[ "$p/root" -ef "$root" ]]; then pids+=("${p#/proc/}"); fi
    done
    ((${#pids[@]})) || break
    kill -KILL "${pids[@]}" 2>/dev/null
    sleep 0.2
  done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
  for p in $(mounted_under | sort -r); do umount -l "$p" 2>/dev/null || true; done
  if ((keep)); then
    echo "fresh-check: root kept at $root (reuse it with --root $root)"
  elif [[ -n "$(mounted_under)" ]]; then
    echo "fresh-check: $root still has mounts; not removing it" >&2
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The mirror this machine's apt uses (deb822 or one-line sources), else Debian's own.
mirror="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)"
if [[ -z "$mirror" ]]; then
  mirror="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

elapsed() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

if [[ -x "$root/usr/bin/apt-get" && ! -d "$root/debootstrap" ]]; then
  echo "fresh-check: reusing the root at $root"
else
  if ! command -v debootstrap >/dev/null; then
    echo "fresh-check: installing debootstrap" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  echo "fresh-check: debootstrap --variant=minbase bookworm $root $mirror"
  t=$(date +%s)
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1; then
    tail -n 20 "$root.debootstrap.log" >&2
    echo "fresh-check: debootstrap failed (log: $root.debootstrap.log)" >&2
    exit 2
  fi
  rm -f "$root.debootstrap.log"
  echo "fresh-check: debootstrap took $(elapsed "$t")"
fi
# Only what a new machine would have: the same mirror (with updates and security, as an
# installer writes them) and a resolver; the host's apt settings that make its snapshot
# mirror usable are copied as they are.
{
  echo "deb $mirror bookworm main"
  echo "deb $mirror bookworm-updates main"
  security="$(sed -n 's/^URIs: *\([^ ]*security[^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)"
  [[ -n "$security" ]] && echo "deb $security bookworm-security main"
} >"$root/etc/apt/sources.list"
for f in /etc/apt/apt.conf.d/99artifact-registry; do [[ -f "$f" ]] && cp "$f" "$root/etc/apt/apt.conf.d/"; done
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# The current commit, cloned where root clones things: its home, which is mode 700.
commit="$(git -C "$repo" rev-parse HEAD)"
if [[ -d "$root/root/fissure/.git" ]]; then
  git -C "$root/root/fissure" fetch -q "$repo" "$commit"
  git -C "$root/root/fissure" checkout -q --detach "$commit"
  # main.sh's runs/ stay too: an earlier commit's campaign and report are what a later one
  # is compared with.
  git -C "$root/root/fissure" clean -q -fdx -e /build/ -e /runs/
else
  git clone -q "$repo" "$root/root/fissure"
  git -C "$root/root/fissure" checkout -q --detach "$commit"
fi
chmod 700 "$root/root"
if [[ -d "$repo/../shared" ]]; then
  rm -rf "$root/root/shared"
  cp -a "$repo/../shared" "$root/root/shared"
fi
echo "fresh-check: commit $(git -C "$repo" log -1 --format='%h %s' | cut -c1-100)"

# The tests use network and PID namespaces and ptrace; they need the host's kernel
# interfaces: /proc, /sys, /dev and its ptys.
# /sys and /dev come with what is mounted under them (cgroups, /dev/pts, /dev/shm), as
# slaves: unmounting them here must never propagate back to the host's.
mount -t proc proc "$root/proc"
mounts+=("$root/proc")
for m in sys dev; do
  mount --rbind "/$m" "$root/$m"
  mounts+=("$root/$m")
  mount --make-rslave "$root/$m"
done
[[ -e "$root/dev/pts/ptmx" ]] || { mount --bind /dev/pts "$root/dev/pts"; mounts+=("$root/dev/pts"); }

# In the background and waited for, so that a TERM or INT is handled at once, not when the
# command is over.
in_root() { chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  /bin/bash -c "cd /root/fissure && $1"; }

# What the runs need from the kernel, said up front rather than through failing tests.
if in_root "unshare --net --pid --fork true" >/dev/null 2>&1; then
  echo "fresh-check: in the root: network and PID namespaces work"
else
  echo "fresh-check: in the root: unshare --net --pid fails; isolated runs will too" >&2
fi
# Logs live beside the root, so they outlast it.
logs="$root.logs"
mkdir -p "$logs"
failed=0
summary=()
for ((i = 1; i <= repeat; i++)); do
  log="$logs/test-$i.log"
  echo "fresh-check: bash scripts/test.sh (run $i of $repeat; log: $log)"
  t=$(date +%s)
  rc=0
  in_root "bash scripts/test.sh" >"$log" 2>&1 &
  wait $! || rc=$?
  took="$(elapsed "$t")"
  line="$(grep -E 'tests passed|tests failed' "$log" | tail -n1 || true)"
  echo "fresh-check: test.sh run $i: exit $rc in $took: ${line:-no ctest summary}"
  # ctest lists failed tests and skipped ones ("(Skipped)": a GTEST_SKIP) alike; a skip is no
  # failure, but it checked nothing, so it is named too.
  grep -E '^\s+[0-9]+ - ' "$log" | sed -E 's/^[[:space:]]+//; /\((Skipped|Disabled)\)$/ s/^/did not run: /;
    /^did not run: /! s/^/failed: /; s/^/fresh-check:   /' || true
  ((rc == 0)) || { failed=1; [[ -n "$line" ]] || tail -n 30 "$log"; }
  summary+=("test.sh run $i: exit $rc, $took, ${line:-no ctest summary}")
done
if ((run_main)); then
  log="$logs/main.log"
  echo "fresh-check: bash scripts/main.sh (log: $log)"
  t=$(date +%s)
  rc=0
  in_root "bash scripts/main.sh" >"$log" 2>&1 &
  wait $! || rc=$?
  took="$(elapsed "$t")"
  echo "fresh-check: main.sh: exit $rc in $took"
  ((rc == 0)) || { failed=1; tail -n 30 "$log"; }
  tail -n 6 "$log" | sed 's/^/fresh-check:   /'
  summary+=("main.sh: exit $rc, $took")
fi
echo "fresh-check: summary ($commit)"
printf 'fresh-check:   %s\n' "${summary[@]}"
exit "$failed"
