#!/usr/bin/env bash
# Builds the directory tree the path-sandbox tests run on (tests/wasi/path_cases.h
# lists the cases): ROOT/in is the preopen; everything else in ROOT is
# "outside", where no resolution may ever reach.
#
#   sandbox_fixture.sh ROOT          (ROOT is removed first)
#   sandbox_fixture.sh ROOT repair   puts back what a race test may have left
#                                    moved or removed inside (never outside)
#
# Used by tests/wasi/sandbox_unit.c (both resolvers) and by
# tests/suites/40-runtime-scenarios.sh (the wasi_sandbox workload, on nil and in
# the KVM Keep). Keep the two in step with path_cases.h.
set -eu
root=$1
case $root in /*) ;; *) echo "sandbox_fixture.sh: ROOT must be absolute" >&2; exit 2 ;; esac
if [ "${2:-}" = repair ]; then
    cd "$root/in"
    if [ -L race ]; then mv -T race race_tmp && mv -T race_alt race && mv -T race_tmp race_alt; fi
    [ -e file ] || mv -T race/moved file 2>/dev/null || true
    [ -e race/f ] || mv -T moved race/f 2>/dev/null || echo inside >race/f
    [ -d race/d ] || mv -T movedd race/d 2>/dev/null || mkdir race/d
    rm -rf race/u race/new race/nd race/d2 race/sl race/hl race/moved moved movedd hl race_stop race_flipping
    exit 0
fi
rm -rf "$root"
mkdir -p "$root/outside/d" "$root/in/dir/sub"
cd "$root"
echo OUTSIDE >outside/f
ln -s f outside/ln
echo OUTSIDE >outfile

cd in
echo inside >file
echo inside >dir/f
ln -s file ln_file
ln -s dir ln_dir
ln -s missing ln_dangling
ln -s ../outside ln_out_dir
ln -s ../outfile ln_out_file
ln -s ../nothing ln_out_missing
ln -s ../outside/ln ln_out_ln
ln -s / ln_abs_dir
ln -s /nonexistent-enarx-test ln_abs_missing
ln -s .. ln_up
ln -s ln_loop ln_loop
ln -s . ln_self
ln -s ../file dir/ln_back
ln -s ../.. dir/ln_up2

# deep/: 1100 nested directories "d" with deep/f at the top and "bottom" at
# the bottom; deep/dl is a link 600 levels down. Deeper than any fixed
# descriptor stack a walk could keep, and reachable both directly and
# through a link.
mkdir deep
echo deep >deep/f
d=deep
for _ in $(seq 1100); do d=$d/d; done
mkdir -p "$d"
echo bottom >"$d/bottom"
t=d
for _ in $(seq 599); do t=$t/d; done
ln -s "$t" deep/dl

# ld/: links whose targets start with another link, so that a walk that
# splices each target into the rest of the path holds more than two
# PATH_MAX of text at once (ld/p1 -> p2/... -> p3/... -> ./d/../...).
mkdir -p ld/d
echo long >ld/f
tail=""
for _ in $(seq 810); do tail=$tail/d/..; done
ln -s ".$tail" ld/p3
ln -s "p3$tail" ld/p2
ln -s "p2$tail" ld/p1

# chain/: c1 -> c2 -> ... -> c41 -> ../file and d1 -> ... -> d40 -> ../dir, for
# Linux's limit of 40 links per resolution, counted across the whole path.
mkdir chain
ln -s ../file chain/c41
for i in $(seq 40); do ln -s "c$((i + 1))" "chain/c$i"; done
ln -s ../dir chain/d40
for i in $(seq 39); do ln -s "d$((i + 1))" "chain/d$i"; done

# race/ and race_alt: the race tests swap these two names (a directory and a
# link to ../outside) while path calls run; outside/ holds a file, a link and
# directories of the same names, none of which any call may ever touch.
mkdir -p race/d
echo inside >race/f
ln -s f race/ln
ln -s inside-link race/rl
ln -s ../outside race_alt
echo OUTSIDE >../outside/u
mkdir ../outside/d2
ln -s OUTSIDE-LINK ../outside/rl
