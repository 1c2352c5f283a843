"""Drive an exsim WinRS endpoint with Debian's pywinrm (python3-winrm 0.3.0).

Run with /usr/bin/python3. Reads one JSON request from stdin and prints one
JSON result: {"ok": true, "stdout", "stderr", "code"} or
{"ok": false, "error_type", "error"}. Actions:

  cmd    Session.run_cmd(command, args)
  ps     Session.run_ps(script)
  stdin  open a shell, run command, send stdin in chunks (the last with
         End="true") with pywinrm's own envelope builder (0.3.0 has no
         send_command_input), read the output, clean up.
"""

import base64
import json
import sys
import uuid

import winrm
import xmltodict

SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"


def send_input(protocol, shell_id, command_id, data, end):
    req = {"env:Envelope": protocol._get_soap_header(
        resource_uri=CMD, action=SEND, shell_id=shell_id, message_id=uuid.uuid4())}
    stream = req["env:Envelope"].setdefault("env:Body", {}).setdefault(
        "rsp:Send", {}).setdefault("rsp:Stream", {})
    stream["@Name"] = "stdin"
    stream["@CommandId"] = command_id
    stream["#text"] = base64.b64encode(data).decode("ascii")
    if end:
        stream["@End"] = "true"
    protocol.send_message(xmltodict.unparse(req))


def run(req):
    kwargs = {
        "transport": req["transport"],
        "message_encryption": req.get("message_encryption", "auto"),
        "operation_timeout_sec": req.get("operation_timeout_sec", 20),
        "read_timeout_sec": req.get("read_timeout_sec", 30),
    }
    if req.get("ca"):
        kwargs["ca_trust_path"] = req["ca"]
    if req.get("kerberos_hostname_override"):
        # the SPN host (HTTP@host) when the endpoint is an address
        kwargs["kerberos_hostname_override"] = req["kerberos_hostname_override"]
    session = winrm.Session(req["endpoint"], auth=(req["user"], req["password"]), **kwargs)
    action = req["action"]
    if action == "cmd":
        r = session.run_cmd(req["command"], req.get("args", []))
        return r.std_out, r.std_err, r.status_code
    if action == "ps":
        r = session.run_ps(req["script"])
        return r.std_out, r.std_err, r.status_code
    if action == "stdin":
        p = session.protocol
        shell_id = p.open_shell()
        command_id = p.run_command(shell_id, req["command"], req.get("args", []))
        data = req["stdin"].encode("utf-8")
        chunk = req.get("chunk", 65536)
        pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] or [b""]
        for i, piece in enumerate(pieces):
            send_input(p, shell_id, command_id, piece, i == len(pieces) - 1)
        out, err, code = p.get_command_output(shell_id, command_id)
        p.cleanup_command(shell_id, command_id)
        p.close_shell(shell_id)
        return out, err, code
    raise ValueError("unknown action " + action)


def main():
    req = json.load(sys.stdin)
    try:
        out, err, code = run(req)
    except Exception as e:  # reported to the Go spec, which decides
        print(json.dumps({"ok": False, "error_type": type(e).__name__, "error": str(e)}))
        return
    print(json.dumps({
        "ok": True,
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err.decode("utf-8", "replace"),
        "code": code,
    }))


if __name__ == "__main__":
    main()
