"""deploy/balancer.py: the HAProxy config for replicas here or on other hosts, checked by HAProxy itself."""

import re

import pytest

from deploy.balancer import check_config, parse_address, render_config


def servers(config):
    """[(name, address, cookie)] of the config's server lines, in order."""
    return re.findall(r"^\s+server (\S+) (\S+) cookie (\S+)$", config, re.MULTILINE)


def test_config_for_three_local_replicas_is_accepted_by_haproxy(haproxy, tmp_path):
    config = render_config(["127.0.0.1:7861", "127.0.0.1:7862", "127.0.0.1:7863"], bind="127.0.0.1:8080")
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    check_config(path)
    assert servers(config) == [("replica1", "127.0.0.1:7861", "replica1"),
                               ("replica2", "127.0.0.1:7862", "replica2"),
                               ("replica3", "127.0.0.1:7863", "replica3")]
    assert re.search(r"^\s+bind 127\.0\.0\.1:8080$", config, re.MULTILINE)


def test_replicas_on_other_hosts_get_the_same_config_but_their_addresses(haproxy, tmp_path):
    local = render_config(["127.0.0.1:7861", "127.0.0.1:7862"])
    # HAProxy resolves host names when it starts, so the name here must exist on any machine.
    remote = render_config(["localhost:7860", "10.0.0.6:7860", "[fd00::7]:7860"])
    path = tmp_path / "haproxy.cfg"
    path.write_text(remote)
    check_config(path)
    assert servers(remote) == [("replica1", "localhost:7860", "replica1"),
                               ("replica2", "10.0.0.6:7860", "replica2"),
                               ("replica3", "[fd00::7]:7860", "replica3")]
    without_servers = [line for line in local.splitlines() if not line.lstrip().startswith("server ")]
    assert without_servers == [line for line in remote.splitlines() if not line.lstrip().startswith("server ")]


def test_config_keeps_users_on_their_replica_and_checks_health():
    config = render_config(["127.0.0.1:7861"])
    assert "cookie lenet_replica insert indirect nocache" in config
    assert "option httpchk GET /gradio_api/info" in config
    assert "option redispatch" in config
    # Gradio's event streams send a heartbeat every 15 s: the timeouts must outlast it.
    for side in ("client", "server"):
        seconds = int(re.search(rf"timeout {side} (\d+)s", config).group(1))
        assert seconds > 15


@pytest.mark.parametrize("text, host, port", [
    ("127.0.0.1:7860", "127.0.0.1", 7860),
    ("lab-pc-1:80", "lab-pc-1", 80),
    ("[::1]:7860", "::1", 7860),
    (" 10.0.0.5:7860 ", "10.0.0.5", 7860),
])
def test_addresses_are_parsed(text, host, port):
    assert parse_address(text) == (host, port)


@pytest.mark.parametrize("text", ["localhost", "localhost:", ":7860", "host:http", "host:0", "host:70000",
                                  "two words:80"])
def test_a_bad_address_gets_a_message_with_an_example(text):
    with pytest.raises(ValueError, match="is not an address"):
        parse_address(text)


def test_no_replicas_or_the_same_one_twice_is_refused():
    with pytest.raises(ValueError, match="at least one replica"):
        render_config([])
    with pytest.raises(ValueError, match="given twice"):
        render_config(["10.0.0.5:7860", "10.0.0.5:7860"])


def test_haproxy_rejects_a_broken_config_with_its_own_words(haproxy, tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(render_config(["127.0.0.1:7861"]).replace("balance roundrobin", "balance sideways"))
    with pytest.raises(ValueError, match="balance only supports"):
        check_config(path)
