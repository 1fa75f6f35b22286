"""packaging/check-deps: the one package list against meson.build and
debian/control; it passes on the tree and fails for each kind of drift."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(REPO, "packaging", "check-deps")
LIST = os.path.join(REPO, "packaging", "packages.txt")
CONTROL = os.path.join(REPO, "debian", "control")


def run(*args):
    r = subprocess.run([sys.executable, CHECK, *args], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def without(path, tmp, drop):
    out = tmp / os.path.basename(path)
    lines = [l for l in open(path) if not l.startswith(drop)]
    out.write_text("".join(lines))
    return str(out)


def test_tree_agrees():
    rc, out = run()
    assert rc == 0, out
    assert "check-deps: 0 problem(s)" in out


def test_every_meson_dependency_is_checked():
    rc, out = run()
    for dep in ("json-c", "libmicrohttpd", "libcurl", "libcap", "libsystemd", "threads"):
        assert f"dep {dep}:" in out, out


def test_missing_list_entry_fails(tmp_path):
    # The defect that let every CI pass: libcurl's -dev package on no list.
    lst = without(LIST, tmp_path, "libcurl4-openssl-dev")
    rc, out = run("--list", lst)
    assert rc == 1
    assert "NOTLISTED dep libcurl" in out and "libcurl4-openssl-dev" in out


def test_libc_dev_is_required(tmp_path):
    # gcc without libc6-dev: "cannot find Scrt1.o".
    lst = without(LIST, tmp_path, "libc6-dev")
    rc, out = run("--list", lst)
    assert rc == 1 and "NOTLISTED libc crt" in out


def test_unknown_pkgconfig_module_fails(tmp_path):
    meson = tmp_path / "meson.build"
    meson.write_text(open(os.path.join(REPO, "meson.build")).read()
                     + "\nx = dependency('no-such-module-duodhcp')\n")
    rc, out = run("--meson", str(meson))
    assert rc == 1 and "MISSING  dep no-such-module-duodhcp" in out


def test_control_drift_fails(tmp_path):
    ctl = tmp_path / "control"
    text = open(CONTROL).read()
    ctl.write_text(text.replace("Build-Depends:", "Build-Depends: bison,", 1))
    rc, out = run("--control", str(ctl))
    assert rc == 1 and "CONTROL  bison" in out
    ctl.write_text(text.replace("libcurl4-openssl-dev", "libfoo-dev", 1))
    rc, out = run("--control", str(ctl))
    assert rc == 1 and "CONTROL  libcurl4-openssl-dev" in out
