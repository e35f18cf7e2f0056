#!/usr/bin/python3
"""The calls a kubelet makes for a pod whose RuntimeClass names a handler,
made straight to containerd's CRI plugin (tests/suites/72-oci-containerd.sh).

Usage: cri_client.py GENERATED_DIR SOCKET HANDLER IMAGE LOG_DIR

GENERATED_DIR holds api_pb2.py / api_pb2_grpc.py, generated at test time
from the CRI definition (api.proto). Prints one "ok NAME" or "FAIL NAME:
why" line per check; exits 1 if any failed.
"""
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import api_pb2 as cri  # noqa: E402
import api_pb2_grpc as cri_grpc  # noqa: E402

_, _, SOCKET, HANDLER, IMAGE, LOG_DIR = sys.argv
failures = 0


def ok(name):
    print(f"ok   {name}", flush=True)


def bad(name, why):
    global failures
    failures += 1
    print(f"FAIL {name}: {why}", flush=True)


def check(name, cond, why=""):
    ok(name) if cond else bad(name, why)


channel = grpc.insecure_channel(f"unix://{SOCKET}")
rt = cri_grpc.RuntimeServiceStub(channel)
TIMEOUT = 60

version = rt.Version(cri.VersionRequest(version="v1"), timeout=TIMEOUT)
check("CRI Version answers", version.runtime_name == "containerd", str(version))

# what an earlier, interrupted run left behind
for pod in rt.ListPodSandbox(cri.ListPodSandboxRequest(), timeout=TIMEOUT).items:
    rt.StopPodSandbox(cri.StopPodSandboxRequest(pod_sandbox_id=pod.id), timeout=TIMEOUT)
    rt.RemovePodSandbox(cri.RemovePodSandboxRequest(pod_sandbox_id=pod.id), timeout=TIMEOUT)

pod_config = cri.PodSandboxConfig(
    metadata=cri.PodSandboxMetadata(name="keep-pod", uid="uid-keep-pod", namespace="default", attempt=0),
    log_directory=LOG_DIR,
    annotations={"module.wasm.image/variant": "compat"},
    linux=cri.LinuxPodSandboxConfig(
        security_context=cri.LinuxSandboxSecurityContext(
            namespace_options=cri.NamespaceOption(network=cri.NODE))))
sandbox = rt.RunPodSandbox(cri.RunPodSandboxRequest(config=pod_config, runtime_handler=HANDLER),
                           timeout=TIMEOUT).pod_sandbox_id
status = rt.PodSandboxStatus(cri.PodSandboxStatusRequest(pod_sandbox_id=sandbox), timeout=TIMEOUT).status
check("RunPodSandbox: the pause container (handed to runc) is ready",
      status.state == cri.SANDBOX_READY and status.runtime_handler == HANDLER, str(status.state))


def create(name, args, envs=()):
    config = cri.ContainerConfig(
        metadata=cri.ContainerMetadata(name=name, attempt=0),
        image=cri.ImageSpec(image=IMAGE),
        args=list(args),
        envs=[cri.KeyValue(key=k, value=v.encode()) for k, v in envs],  # bytes in this api.proto
        log_path=f"{name}.log")
    return rt.CreateContainer(cri.CreateContainerRequest(pod_sandbox_id=sandbox, config=config,
                                                         sandbox_config=pod_config), timeout=TIMEOUT).container_id


def wait_exit(cid, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        st = rt.ContainerStatus(cri.ContainerStatusRequest(container_id=cid), timeout=TIMEOUT).status
        if st.state == cri.CONTAINER_EXITED:
            return st
        time.sleep(0.1)
    return st


# A workload that prints and exits with a status of its own.
first = create("hello", ["args", "from-cri"], [("GREETING", "hi-cri")])
rt.StartContainer(cri.StartContainerRequest(container_id=first), timeout=TIMEOUT)
st = wait_exit(first)
check("ContainerStatus: exited", st.state == cri.CONTAINER_EXITED, str(st.state))
check("ContainerStatus: exit code 0", st.exit_code == 0, str(st.exit_code))
log = open(os.path.join(LOG_DIR, "hello.log")).read() if os.path.exists(os.path.join(LOG_DIR, "hello.log")) else ""
check("CRI log file: the workload's output, in CRI format", " stdout F argv[2]=from-cri" in log, repr(log[:300]))
check("CRI log file: the workload's environment", " stdout F env GREETING=hi-cri" in log, repr(log[:300]))

code = create("exit7", ["exit", "7"])
rt.StartContainer(cri.StartContainerRequest(container_id=code), timeout=TIMEOUT)
st = wait_exit(code)
check("ContainerStatus: exit code 7 propagates", st.exit_code == 7, f"state {st.state} exit {st.exit_code}")

# A long-running workload, stopped the way a kubelet stops one.
sleeper = create("sleeper", ["sleep", "300"])
rt.StartContainer(cri.StartContainerRequest(container_id=sleeper), timeout=TIMEOUT)
st = rt.ContainerStatus(cri.ContainerStatusRequest(container_id=sleeper), timeout=TIMEOUT).status
check("ContainerStatus: running", st.state == cri.CONTAINER_RUNNING, str(st.state))
started = time.time()
rt.StopContainer(cri.StopContainerRequest(container_id=sleeper, timeout=10), timeout=TIMEOUT)
st = wait_exit(sleeper, 5)
check("StopContainer: SIGTERM ends the Keep (exit 143)",
      st.state == cri.CONTAINER_EXITED and st.exit_code == 143 and time.time() - started < 9,
      f"state {st.state} exit {st.exit_code} after {time.time() - started:.1f}s")

for cid in (first, code, sleeper):
    rt.RemoveContainer(cri.RemoveContainerRequest(container_id=cid), timeout=TIMEOUT)
left = rt.ListContainers(cri.ListContainersRequest(), timeout=TIMEOUT).containers
check("RemoveContainer: none left", len(left) == 0, str([c.id for c in left]))
rt.StopPodSandbox(cri.StopPodSandboxRequest(pod_sandbox_id=sandbox), timeout=TIMEOUT)
rt.RemovePodSandbox(cri.RemovePodSandboxRequest(pod_sandbox_id=sandbox), timeout=TIMEOUT)
pods = rt.ListPodSandbox(cri.ListPodSandboxRequest(), timeout=TIMEOUT).items
check("StopPodSandbox + RemovePodSandbox: no pod left", len(pods) == 0, str([p.id for p in pods]))
sys.exit(1 if failures else 0)
