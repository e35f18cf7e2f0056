/* The Enarx.toml template written by `enarx config init`.
 *
 * Convention, relied on by the unit tests: lines starting with "## " are
 * prose; lines starting with "# " are settings commented out, which must
 * form a valid configuration when uncommented. The file as written (only
 * the uncommented lines) is the default: stdin, stdout, stderr. */
#include "config/enarx_config.h"

static const char template_text[] =
    "## Enarx.toml: the configuration of a WebAssembly workload in an Enarx Keep.\n"
    "## Check it with `enarx config check`; every key is described in docs/config.md.\n"
    "\n"
    "## Command-line arguments. The workload's argv[0] is always \"main.wasm\";\n"
    "## these follow it.\n"
    "args = [\n"
    "#    \"--verbose\",\n"
    "]\n"
    "\n"
    "## The Steward: the attestation service that certifies this Keep (https).\n"
    "# steward = \"https://steward.example.com\"\n"
    "\n"
    "## Environment variables. Enarx also sets FD_COUNT and FD_NAMES from `files`.\n"
    "[env]\n"
    "# RUST_LOG = \"info\"\n"
    "\n"
    "## Trust anchors for TLS connections (connect files with prot = \"tls\") that\n"
    "## name none of their own: CA certificates as files (`ca`, relative to this\n"
    "## file) and/or inline PEM text (`ca-pem`). Without any, the runtime's\n"
    "## built-in roots are used.\n"
    "# [tls]\n"
    "# ca = [\"certs/my-ca.pem\"]\n"
    "\n"
    "## Files: the workload's open file descriptors, in order from fd 0.\n"
    "## Kinds: null, stdin, stdout, stderr, listen, connect, dir.\n"
    "\n"
    "[[files]]\n"
    "kind = \"stdin\"\n"
    "\n"
    "[[files]]\n"
    "kind = \"stdout\"\n"
    "\n"
    "[[files]]\n"
    "kind = \"stderr\"\n"
    "\n"
    "## A listening socket; the workload accepts connections on it.\n"
    "# [[files]]\n"
    "# kind = \"listen\"\n"
    "# prot = \"tls\"          # or \"tcp\"; required\n"
    "# name = \"server\"       # required: its name in FD_NAMES\n"
    "# addr = \"::\"           # the default: every address\n"
    "# port = 8443           # default 443 for tls, 80 for tcp\n"
    "\n"
    "## A connection the Keep opens for the workload.\n"
    "# [[files]]\n"
    "# kind = \"connect\"\n"
    "# prot = \"tls\"          # or \"tcp\"; required\n"
    "# host = \"example.com\"  # required; also the default name\n"
    "# port = 443\n"
    "# ca = \"certs/example-ca.pem\"  # tls only: trust only this CA for this connection\n"
    "\n"
    "## A host directory, preopened for the workload.\n"
    "# [[files]]\n"
    "# kind = \"dir\"\n"
    "# host = \"data\"         # the host directory (relative to this file)\n"
    "# name = \"/data\"        # the path the workload opens it by\n";

const char *enarx_config_template(void)
{
    return template_text;
}
