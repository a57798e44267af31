"""Every command of docs/howto/scaling-out.md runs as written and does what the page says.

The commands are read from the page itself: each ``$ `` line of a ```console
block, joined with its ``\\`` continuation lines, the ``ExecStart=`` of the
systemd unit in the ```ini block, and the Redis configuration in a ```text
block. Bash runs each one, as an operator would, with only the page's
placeholders replaced (see `Placeholders`): the example database becomes the
test's PostgreSQL database or SQLite file, the example Redis the test's, the
stream ``socialfeed:events`` a stream of the test's own, and an example id or
time one the test made. A command that cannot run here is listed in
`NOT_RUN` with the reason; a command the page gains, loses or changes fails
`test_every_command_on_the_page_is_run_here_or_listed_as_not_run`, and one
that no longer runs as written fails the test that runs it.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
import redis
from sqlalchemy import Engine

from socialfeed import ManualClock, Settings, SocialFeed, wire
from socialfeed.cli import _parser
from socialfeed.events import CommentAdded
from socialfeed.outbox.relay import Relay
from socialfeed.redis import RedisStreamPublisher
from socialfeed.redis.streams import DEFAULT_STREAM
from tests.conftest import REDIS_URL, _empty_postgresql
from tests.reliability.test_outbox_faults import Command, wait_for

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "howto" / "scaling-out.md"
# How long any wait may take on a loaded machine before the test fails.
DEADLINE = 60.0
# Where the commands find ``socialfeed``: the environment the tests run in.
BIN = Path(sys.executable).parent

# --- The page's commands ---------------------------------------------------------------------

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>\w+)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
# A shell comment: a ``#`` after a blank, to the end of the line.
_COMMENT = re.compile(r"\s+#\s.*$")


@attrs.frozen
class PageCommand:
    """A ``$`` command of a console block, continuations joined, and the output shown under it."""

    text: str
    output: str


def blocks(language: str) -> list[str]:
    """The bodies of the page's fenced blocks of one language, in order."""
    text = PAGE.read_text(encoding="utf-8")
    return [m.group("body") for m in _FENCE.finditer(text) if m.group("lang") == language]


def console_commands() -> list[PageCommand]:
    """Every ``$`` command of the page's console blocks, in order, without its comment."""
    commands: list[PageCommand] = []
    for body in blocks("console"):
        lines = body.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            assert line.startswith("$ "), f"console line outside a command: {line!r}"
            parts = [line[2:]]
            while parts[-1].endswith("\\"):
                index += 1
                parts[-1] = parts[-1][:-1].rstrip()
                parts.append(lines[index].strip())
            index += 1
            output: list[str] = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            text = _COMMENT.sub("", " ".join(parts)).strip()
            commands.append(PageCommand(text, "".join(f"{out}\n" for out in output)))
    return commands


def on_page(text: str) -> PageCommand:
    """The page's command of exactly this text; fail if the page no longer has it."""
    found = [command for command in console_commands() if command.text == text]
    assert found, f"the page no longer has the command {text!r}"
    return found[0]


def unit_file() -> str:
    """The page's systemd unit: its only ```ini block."""
    [unit] = blocks("ini")
    return unit


def unit_setting(unit: str, key: str) -> str:
    """A setting of the unit, continuation lines joined."""
    lines = unit.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}="))
    parts = [lines[start].removeprefix(f"{key}=")]
    while parts[-1].endswith("\\"):
        start += 1
        parts[-1] = parts[-1][:-1].rstrip()
        parts.append(lines[start].strip())
    return " ".join(parts)


# The commands this module runs, as the page writes them (comments dropped).
RELAY = (
    "socialfeed relay --database postgresql://app@db.internal/app"
    " --redis redis://redis.internal:6379/0"
)
NOTIFICATIONS_WORKER = (
    "socialfeed worker --database postgresql://app@db.internal/app"
    " --redis redis://redis.internal:6379/0"
    " --group notifications --handler notifications --name web1-1"
)
HASHTAGS_WORKER = (
    "socialfeed worker --database postgresql://app@db.internal/app"
    " --redis redis://redis.internal:6379/0 --group hashtags --handler hashtags --name web1-1"
)
CD_APP = "cd /srv/myapp"
EMAILS_WORKER = (
    "socialfeed worker ... --group emails --handler myapp.workers:connect_email_receivers"
)
DEAD_XLEN = "redis-cli XLEN socialfeed:events:dead"
DEAD_XRANGE = "redis-cli XRANGE socialfeed:events:dead - +"
REPLAY_DEAD_LETTER = (
    "id=1767225600123-0",
    'data=$(redis-cli --raw XRANGE socialfeed:events:dead "$id" "$id" | sed -n 3p)',
    "redis-cli XADD socialfeed:events '*' data \"$data\"",
    'redis-cli XDEL socialfeed:events:dead "$id"',
)
OUTBOX_REPLAY = (
    "socialfeed outbox replay --database postgresql://app@db.internal/app"
    " --redis redis://redis.internal:6379/0 --since 2026-11-26T08:58:00Z"
)
OUTBOX_PURGE = (
    "socialfeed outbox purge --database postgresql://app@db.internal/app --older-than-hours 24"
)
OUTBOX_STATUS = "socialfeed outbox status --database postgresql://app@db.internal/app"
XINFO_GROUPS = "redis-cli XINFO GROUPS socialfeed:events"
XPENDING = "redis-cli XPENDING socialfeed:events notifications"
SYSTEMCTL = "sudo systemctl enable --now socialfeed-notifications@1 socialfeed-notifications@2"

EXERCISED = frozenset(
    {
        RELAY,
        NOTIFICATIONS_WORKER,
        HASHTAGS_WORKER,
        CD_APP,
        EMAILS_WORKER,
        DEAD_XLEN,
        DEAD_XRANGE,
        *REPLAY_DEAD_LETTER,
        OUTBOX_REPLAY,
        OUTBOX_PURGE,
        OUTBOX_STATUS,
        XINFO_GROUPS,
        XPENDING,
    }
)

NOT_RUN = {
    'pip install "socialfeed[postgresql,redis]"': (
        "installs packages; the tests run in the environment it installs"
    ),
    SYSTEMCTL: (
        "needs root and systemd; test_the_systemd_unit_runs_its_worker_and_frees_its_name checks"
        " that it names instances of the unit, and runs the unit's ExecStart"
    ),
}


# --- Running them ----------------------------------------------------------------------------


@attrs.frozen
class Placeholders:
    """What replaces the page's example values when a test runs a command."""

    database: str
    stream: str
    app_folder: Path | None = None

    def apply(self, command: str, **examples: str) -> str:
        """The command with the test's servers, stream and ``examples`` (page value: test's)."""
        assert REDIS_URL is not None
        for example, value in examples.items():
            assert example in command, f"{example!r} is no longer in {command!r}"
            command = command.replace(example, value)
        if command.startswith("socialfeed worker ... "):
            # "..." stands for the options of the worker commands above it.
            options = f"--database {self.database} --redis {REDIS_URL}"
            command = command.replace(" ... ", f" {options} ", 1)
        command = command.replace("/srv/myapp/venv/bin/socialfeed", "socialfeed")
        if self.app_folder is not None:
            command = command.replace("/srv/myapp", str(self.app_folder))
        command = command.replace("postgresql://app@db.internal/app", self.database)
        command = command.replace("redis://redis.internal:6379/0", REDIS_URL)
        # The dead-letter stream is the stream's name with ":dead", here as on the page.
        command = command.replace(DEFAULT_STREAM, self.stream)
        # The socialfeed commands rely on the default stream, which tests must not share;
        # test_the_commands_use_the_stream_the_redis_cli_recipes_name checks that default.
        if command.startswith("socialfeed ") and "--stream" not in command:
            command += f" --stream {self.stream}"
        # Formatted as in a terminal (the page's output), on the test's Redis server; a
        # later --raw of the command itself still wins.
        command = re.sub(r"\bredis-cli\b", f"redis-cli -u {REDIS_URL} --no-raw", command)
        for left in ("db.internal", "redis.internal", "/srv/"):
            assert left not in command, f"a placeholder is left in {command!r}"
        return command


def environment() -> dict[str, str]:
    """The operator's environment: ``socialfeed`` on the path, output unbuffered."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}


def run(*commands: str, cwd: Path) -> str:
    """Run commands in one bash, stopping at the first that fails; return what they printed."""
    result = subprocess.run(
        ["bash", "-euc", "\n".join(commands)],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert result.returncode == 0, f"{commands} failed:\n{result.stdout}\n{result.stderr}"
    # redis-cli exits 0 when Redis answers with an error; it prints it.
    assert "(error)" not in result.stdout, f"{commands}:\n{result.stdout}"
    return result.stdout


class Started(Command):
    """A long-running page command, started by bash after the commands before it."""

    def __init__(self, log: Path, *commands: str, cwd: Path) -> None:
        self.name = commands[-1]
        self.log = log
        # exec: the command becomes the process, so it gets the signals and gives the status.
        script = "\n".join([*commands[:-1], f"exec {commands[-1]}"])
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                ["bash", "-euc", script],
                cwd=cwd,
                env=environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )


def shape(output: str) -> str:
    """Output with every number replaced, to compare the test's counts with the page's."""
    return re.sub(r"\d+", "N", output)


def values(output: str) -> list[str]:
    """The values of redis-cli's terminal output, in order: strings unquoted, integers bare."""
    found = []
    for line in output.splitlines():
        value = re.sub(r"^\s*(?:\d+\)\s+)*", "", line)
        if value.startswith('"'):
            value = ast.literal_eval(value)
        found.append(value.removeprefix("(integer) "))
    return found


def per_group(xinfo: list[str]) -> list[dict[str, str]]:
    """The name, value pairs of XINFO GROUPS, one mapping per group (each starts with its name)."""
    found: list[dict[str, str]] = []
    for key, value in zip(xinfo[::2], xinfo[1::2], strict=True):
        if key == "name":
            found.append({})
        found[-1][key] = value
    return found


def entries(client: redis.Redis, stream: str) -> list[tuple[str, dict[str, str]]]:
    """Every entry of a stream, as its id and its fields, oldest first."""
    return [
        (text(message_id), {text(key): text(value) for key, value in (fields or {}).items()})
        for message_id, fields in client.xrange(stream) or []
    ]


def text(value: object) -> str:
    """A Redis reply as text."""
    assert isinstance(value, bytes), f"expected bytes from Redis, got {value!r}"
    return value.decode()


def groups_of(client: redis.Redis, stream: str) -> dict[str, tuple[int, int]]:
    """Each group of the stream, with its pending and lag counts."""
    try:
        groups = client.xinfo_groups(stream)
    except redis.ResponseError:
        return {}  # no stream yet
    return {g["name"].decode(): (g["pending"], g["lag"]) for g in groups}


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture
def stream(redis_prefix: str) -> str:
    """This test's stream, in place of ``socialfeed:events``; its keys go afterwards."""
    return f"{redis_prefix}events"


@pytest.fixture
def postgresql_database(postgresql_engine: Engine, postgresql_url: str) -> str:
    """The URL of the empty test database, written as the page writes one."""
    _empty_postgresql(postgresql_engine)
    return postgresql_url


@pytest.fixture
def sqlite_database(tmp_path: Path) -> str:
    """An SQLite file with the schema, for tests where the database is beside the point."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    SocialFeed.from_url(url).close()
    return url


# --- The page as a whole ---------------------------------------------------------------------


def test_every_command_on_the_page_is_run_here_or_listed_as_not_run() -> None:
    """The page's commands are exactly those this module runs plus those it lists as not run."""
    on_the_page = {command.text for command in console_commands()}
    accounted = EXERCISED | NOT_RUN.keys()

    assert sorted(on_the_page - accounted) == [], "commands neither run nor listed in NOT_RUN"
    assert sorted(accounted - on_the_page) == [], "commands run or listed that the page lacks"
    assert not EXERCISED & NOT_RUN.keys()


def test_text_blocks_are_python_sketches_or_the_redis_configuration() -> None:
    """Each ```text block is Python that parses (not run: it needs a broker) or the Redis config."""
    configurations = []
    for body in blocks("text"):
        try:
            ast.parse(body)
        except SyntaxError:
            configurations.append(body)

    assert [c.splitlines()[0] for c in configurations] == ["appendonly yes"]


def test_the_commands_use_the_stream_the_redis_cli_recipes_name() -> None:
    """The socialfeed commands use socialfeed:events by default, the stream redis-cli reads."""
    parser = _parser()
    # "..." stands for the options of the worker commands above it.
    options = "--database postgresql://app@db.internal/app"
    commands = [c.text for c in console_commands() if c.text.startswith("socialfeed ")]
    redis_cli = [c.text for c in console_commands() if "redis-cli" in c.text]

    for command in commands:
        args = parser.parse_args(shlex.split(command.replace("...", options))[1:])
        assert args.stream == DEFAULT_STREAM == "socialfeed:events", command
    named = {word for text in redis_cli for word in text.split() if word.startswith("socialfeed:")}
    assert named == {DEFAULT_STREAM, f"{DEFAULT_STREAM}:dead"}


# --- Relay, workers and monitoring, on PostgreSQL --------------------------------------------


def test_the_relay_workers_and_outbox_commands_run_as_written(
    postgresql_database: str, stream: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """The relay and both workers do their job and stop on SIGTERM; status, replay, purge print."""
    places = Placeholders(postgresql_database, stream)
    # Two days ago, so that the purge's --older-than-hours 24 reaches these rows.
    recorded = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    app = SocialFeed.from_url(
        postgresql_database, settings=Settings(outbox=True), clock=ManualClock(recorded)
    )
    try:
        ann = app.accounts.create_profile("ann")
        ben = app.accounts.create_profile("ben")
        post = app.posts.create(ann.id, content="First light over the bay #sea")
        app.likes.like(ben.id, post.id)
        assert app.outbox.status().unpublished == 4

        relay = Started(tmp_path / "relay.log", places.apply(RELAY), cwd=tmp_path)
        notifications = Started(
            tmp_path / "notifications.log", places.apply(NOTIFICATIONS_WORKER), cwd=tmp_path
        )
        hashtags = Started(tmp_path / "hashtags.log", places.apply(HASHTAGS_WORKER), cwd=tmp_path)
        with relay, notifications, hashtags:
            wait_for(
                lambda: (
                    app.outbox.status().unpublished == 0
                    and groups_of(redis_client, stream)
                    == {"notifications": (0, 0), "hashtags": (0, 0)}
                ),
                "the relay to publish and both groups to handle every event",
                relay,
                notifications,
                hashtags,
            )
            status = run(places.apply(OUTBOX_STATUS), cwd=tmp_path)
            xinfo = values(run(places.apply(XINFO_GROUPS), cwd=tmp_path))
            pending = values(run(places.apply(XPENDING), cwd=tmp_path))
            dead = run(places.apply("redis-cli XLEN socialfeed:events:dead"), cwd=tmp_path)

            assert [relay.stop(), notifications.stop(), hashtags.stop()] == [0, 0, 0]

        assert [n.message for n in app.notifications.list(ann.id).items] == ["ben liked your post"]
        tag = app.hashtags.get("sea")
        assert tag is not None
        assert tag.post_count == 1
        assert status == on_page(OUTBOX_STATUS).output == "unpublished 0\nundelivered 0\n"
        assert {g["name"]: (g["pending"], g["lag"]) for g in per_group(xinfo)} == {
            "notifications": ("0", "0"),
            "hashtags": ("0", "0"),
        }
        assert pending[0] == "0"  # nothing handed out and not acknowledged
        assert dead == "(integer) 0\n"

        # The stream is lost; the replay puts every row recorded since back.
        redis_client.delete(stream)
        since = (recorded - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        replayed = run(places.apply(OUTBOX_REPLAY, **{"2026-11-26T08:58:00Z": since}), cwd=tmp_path)
        assert shape(replayed) == shape(on_page(OUTBOX_REPLAY).output)
        assert (replayed, redis_client.xlen(stream)) == ("replayed 4\n", 4)

        purged = run(places.apply(OUTBOX_PURGE), cwd=tmp_path)
        assert shape(purged) == shape(on_page(OUTBOX_PURGE).output)
        assert purged == "purged 4\n"
        assert app.outbox.status().unpublished == 0
    finally:
        app.close()


# --- Your own handler, dead letters and their replay -----------------------------------------

# The page's receiver, standing in for a mail client: it fails until the mail server is "up"
# (a file in the working directory), then records the event it would have emailed about.
EMAILS_MODULE = """\
from pathlib import Path

from socialfeed import SocialFeed
from socialfeed.events import CommentAdded


def email_the_post_author(sender: SocialFeed, event: CommentAdded) -> None:
    if not Path("mail-server-up").exists():
        raise ConnectionError("mail server unreachable")
    with Path("sent").open("a") as sent:
        sent.write(f"{event.event_id}\\n")
"""


def workers_module() -> str:
    """The page's myapp/workers.py: the ```text block that starts with that name."""
    [module] = [body for body in blocks("text") if body.startswith("# myapp/workers.py\n")]
    return module


@pytest.fixture
def app_folder(tmp_path: Path) -> Path:
    """The application's folder, in place of /srv/myapp: myapp/workers.py as the page has it."""
    folder = tmp_path / "app"
    (folder / "myapp").mkdir(parents=True)
    (folder / "myapp" / "__init__.py").write_text("")
    (folder / "myapp" / "workers.py").write_text(workers_module())
    (folder / "myapp" / "emails.py").write_text(EMAILS_MODULE)
    return folder


def test_a_handler_of_the_app_folder_dead_letters_and_the_recipe_replays_it(
    sqlite_database: str,
    stream: str,
    redis_client: redis.Redis,
    app_folder: Path,
    tmp_path: Path,
) -> None:
    """A worker dead-letters a failing comment; redis-cli shows it; the recipe replays it."""
    places = Placeholders(sqlite_database, stream, app_folder)
    dead_stream = f"{stream}:dead"
    app = SocialFeed.from_url(sqlite_database, settings=Settings(outbox=True))
    try:
        ann = app.accounts.create_profile("ann")
        ben = app.accounts.create_profile("ben")
        post = app.posts.create(ann.id, content="Low tide")
        comment = app.comments.add(ben.id, post.id, "Lovely")
        relay = Relay(app.storage, RedisStreamPublisher(redis_client, stream))
        assert relay.relay_once() == 4
    finally:
        app.close()
    worker = Started(
        tmp_path / "emails.log",
        places.apply(CD_APP),
        places.apply(EMAILS_WORKER),
        cwd=tmp_path,  # the page's cd, not this, takes it to the application's folder
    )
    with worker:
        wait_for(
            lambda: (
                groups_of(redis_client, stream).get("emails") == (0, 0)
                and redis_client.xlen(dead_stream) == 1
            ),
            "the emails worker to dead-letter the comment",
            worker,
        )
        xlen = run(places.apply(DEAD_XLEN), cwd=tmp_path)
        xrange = run(places.apply(DEAD_XRANGE), cwd=tmp_path)

        [(dead_id, fields)] = entries(redis_client, dead_stream)
        [original] = [
            message_id
            for message_id, entry in entries(redis_client, stream)
            if entry["data"] == fields["data"]
        ]
        (app_folder / "mail-server-up").touch()  # the cause is fixed
        recipe = [
            places.apply(REPLAY_DEAD_LETTER[0], **{"1767225600123-0": dead_id}),
            *(places.apply(command) for command in REPLAY_DEAD_LETTER[1:]),
        ]
        replayed = run(*recipe, cwd=tmp_path)
        wait_for(
            lambda: (app_folder / "sent").exists(),
            "the worker to handle the replayed event",
            worker,
        )
        assert worker.stop() == 0

    assert xlen == on_page(DEAD_XLEN).output == "(integer) 1\n"
    # The page's XRANGE: the same fields in the same order; the same reason, group, stream
    # and deliveries; an event of the same kind; real ids in place of the example's.
    page = values(on_page(DEAD_XRANGE).output)
    shown = values(xrange)
    assert (
        shown[1::2]
        == page[1::2]
        == ["data", "reason", "group", "stream", "message_id", "deliveries"]
    )
    shown_fields = dict(zip(shown[1::2], shown[2::2], strict=True))
    page_fields = dict(zip(page[1::2], page[2::2], strict=True))
    assert shown[0] == dead_id
    assert shown_fields["message_id"] == original
    for name in ("reason", "group", "deliveries"):
        assert shown_fields[name] == page_fields[name], name
    assert (page_fields["stream"], shown_fields["stream"]) == (DEFAULT_STREAM, stream)
    kind = page_fields["data"][: page_fields["data"].index('"id":') + len('"id":')]
    assert shown_fields["data"].startswith(kind), (shown_fields["data"], kind)
    # The recipe: XADD printed the new entry's id, XDEL the one dead letter it deleted.
    assert re.fullmatch(r'"\d+-\d+"\n\(integer\) 1\n', replayed), replayed
    assert redis_client.xlen(dead_stream) == 0
    event = wire.decode(fields["data"])
    assert isinstance(event, CommentAdded)
    assert event.comment_id == comment.id
    assert (app_folder / "sent").read_text() == f"{event.event_id}\n"


# --- The systemd unit and the Redis configuration --------------------------------------------


def test_the_systemd_unit_runs_its_worker_and_frees_its_name(
    sqlite_database: str, stream: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """The unit's ExecStart runs a worker named %H-%i that frees its name on SIGTERM, as it says."""
    unit = unit_file()
    template = unit.splitlines()[0].removeprefix("# /etc/systemd/system/")
    instances = SYSTEMCTL.split()[4:]
    assert template.endswith("@.service")
    assert instances
    for instance in instances:
        assert re.fullmatch(re.escape(template.removesuffix(".service")) + r"\d+", instance)
    # The folder the unit works in is the one the page's cd goes to.
    assert unit_setting(unit, "WorkingDirectory") == CD_APP.split()[1]
    assert unit_setting(unit, "TimeoutStopSec").isdigit()
    host = socket.gethostname()
    name = f"{host}-1"
    command = Placeholders(sqlite_database, stream).apply(
        unit_setting(unit, "ExecStart"), **{"%H-%i": name}
    )
    # What a running worker holds, as the page's "Names" says: <stream>:consumer:<group>:<name>.
    held = f"{stream}:consumer:notifications:{name}"

    with Started(tmp_path / "unit.log", command, cwd=tmp_path) as worker:
        wait_for(lambda: redis_client.exists(held) == 1, "the worker to take its name", worker)
        assert "notifications" in groups_of(redis_client, stream)
        assert worker.stop() == 0

    assert redis_client.exists(held) == 0
    assert f"worker {name} of group notifications on {stream}" in worker.log.read_text()


@pytest.fixture
def private_redis_server(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """Start a Redis server of the test's own on a configuration file; answer with its socket."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("needs redis-server to check the page's Redis configuration")
    servers: list[subprocess.Popen[bytes]] = []

    def start(configuration: Path) -> str:
        with (tmp_path / "redis-server.log").open("wb") as log:
            servers.append(
                subprocess.Popen(
                    [executable, str(configuration)],
                    cwd=tmp_path,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        return str(tmp_path / "redis.sock")

    yield start
    for server in servers:
        server.kill()
        server.wait(timeout=DEADLINE)


def test_the_redis_configuration_is_accepted_by_redis_as_written(
    tmp_path: Path, private_redis_server: Callable[[Path], str]
) -> None:
    """A Redis server starts on the page's configuration and runs with the settings it names."""
    [configuration] = [body for body in blocks("text") if body.startswith("appendonly yes")]
    settings = dict(
        line.split(maxsplit=1)
        for line in configuration.splitlines()
        if line and not line.startswith("#")
    )
    # Only where it listens and keeps its files are the test's: a server of its own, no port.
    conf = tmp_path / "redis.conf"
    place = f"port 0\nunixsocket {tmp_path / 'redis.sock'}\ndir {tmp_path}\n"
    conf.write_text(place + configuration)
    socket_path = private_redis_server(conf)
    client = redis.Redis(unix_socket_path=socket_path, decode_responses=True)
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                log = (tmp_path / "redis-server.log").read_text(errors="replace")
                assert "FATAL" not in log, log
                assert time.monotonic() < deadline, log
                time.sleep(0.05)
        for key, value in settings.items():
            assert client.config_get(key) == {key: value}
    finally:
        client.close()
