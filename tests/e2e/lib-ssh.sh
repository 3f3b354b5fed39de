# Sourced after lib.sh by the tests of several hosts (DESIGN "Several
# hosts"): an sshd of the test's own on 127.0.0.1 and a private port, keys
# the test makes, and a hosts file whose hosts all go through that sshd to
# servers on this machine, each standing for a host.
#
#   ssh_start                 sshd up: SSH_PORT, SSH_KEY, SSH_DIR, SSHD_PID
#   ssh_opts [KEY]            the ssh options of a hosts line (KEY: another key)
#   ssh_bad_key               a second key, which this sshd refuses: its path
#   ssh_host NAME SOCK [KEY]  a line of the hosts file: NAME is the server on
#                             SOCK, over ssh (with KEY instead of SSH_KEY)
#   ssh_local NAME SOCK       a line: NAME is the server on SOCK, without ssh
#
# The hosts file is $XDG_CONFIG_HOME/umltop/hosts, XDG_CONFIG_HOME being
# $T_DIR/config (exported).  The remote end runs $SSH_DIR/umltop, a wrapper
# that gives `umltop proxy` the environment of the test (an sshd session
# has none of it: the XSAVE shim, sanitizer options, state directory) and
# runs this build's umltop.  sshd is killed at exit with everything else
# lib.sh tracks, by its pid.
SSH_DIR=$T_DIR/ssh
XDG_CONFIG_HOME=$T_DIR/config
export XDG_CONFIG_HOME
SSHD=${SSHD:-/usr/sbin/sshd}

# ssh_keygen FILE: a new ed25519 key without a passphrase.
ssh_keygen() { ssh-keygen -q -t ed25519 -N '' -C "umltop-test" -f "$1" >/dev/null; }

# ssh_wrapper: the program the remote hosts run as umltop (umltop= of the
# hosts file).  The values are those of this test, fixed when written.
ssh_wrapper() {
	{
		echo '#!/bin/sh'
		for _v in UMLTOP_XSTATE_SHIM ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS \
			UMLTOP_STATE_DIR LSAN_OPTIONS; do
			eval "_val=\${$_v-}"
			# shellcheck disable=SC2154 # _val is set by the eval
			[ -n "$_val" ] && printf "export %s='%s'\n" "$_v" "$_val"
		done
		printf "exec '%s' \"\$@\"\n" "$UMLTOP"
	} >"$SSH_DIR/umltop"
	chmod 755 "$SSH_DIR/umltop"
}

# ssh_sshd_config PORT: the config of our sshd.  Keys only, no PAM (no
# login session, no system policy), StrictModes off (the test's files
# live in a /tmp directory), and the session's environment left open
# (PermitUserEnvironment, AcceptEnv) for a test that would rather pass it
# than use the wrapper.
ssh_sshd_config() {
	cat >"$SSH_DIR/sshd_config" <<-EOF
		Port $1
		ListenAddress 127.0.0.1
		HostKey $SSH_DIR/host_key
		PidFile none
		AuthorizedKeysFile $SSH_DIR/authorized_keys
		StrictModes no
		UsePAM no
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		PermitUserEnvironment yes
		AcceptEnv UMLTOP_* ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
		MaxStartups 100
		MaxSessions 100
		LogLevel VERBOSE
	EOF
}

# ssh_start: keys, config and sshd in the foreground (-D -e: its log in
# $SSH_DIR/sshd.log), on a free port tried at random until one binds.
ssh_start() {
	[ -x "$SSHD" ] || bail "$SSHD not found (apt-get install openssh-server)"
	command -v ssh >/dev/null || bail "ssh not found (apt-get install openssh-client)"
	mkdir -p "$SSH_DIR" "$XDG_CONFIG_HOME/umltop"
	# sshd's privilege separation directory, which the package's service makes
	[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
	ssh_keygen "$SSH_DIR/host_key"
	ssh_keygen "$SSH_DIR/key"
	cp "$SSH_DIR/key.pub" "$SSH_DIR/authorized_keys"
	SSH_KEY=$SSH_DIR/key
	ssh_wrapper
	: >"$XDG_CONFIG_HOME/umltop/hosts"
	for _try in 1 2 3 4 5 6 7 8 9 10; do
		SSH_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		ssh_sshd_config "$SSH_PORT"
		"$SSHD" -D -e -f "$SSH_DIR/sshd_config" >"$SSH_DIR/sshd.log" 2>&1 &
		SSHD_PID=$!
		track_pid "$SSHD_PID"
		wait_until 20 ssh_settled
		ssh_listening && return 0
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	done
	sed 's/^/# sshd: /' "$SSH_DIR/sshd.log"
	bail "sshd did not start on any port tried"
}

# ssh_listening: our sshd runs and has said it listens; ssh_settled: that,
# or it died (its port was taken, say).
ssh_listening() {
	kill -0 "$SSHD_PID" 2>/dev/null &&
		grep -q "Server listening on 127.0.0.1 port $SSH_PORT" "$SSH_DIR/sshd.log"
}
ssh_settled() { ssh_listening || ! kill -0 "$SSHD_PID" 2>/dev/null; }

# ssh_opts [KEY]: what a hosts line gives ssh to reach our sshd: the port,
# the key alone (no agent, no ~/.ssh key), a known_hosts of the test's,
# and no user or system ssh config.
ssh_opts() {
	echo "-F /dev/null -p $SSH_PORT -i ${1:-$SSH_KEY} -oIdentitiesOnly=yes" \
		"-oUserKnownHostsFile=$SSH_DIR/known_hosts -oStrictHostKeyChecking=no"
}

# ssh_bad_key: a key of the right kind that authorized_keys does not hold.
ssh_bad_key() {
	[ -f "$SSH_DIR/bad_key" ] || ssh_keygen "$SSH_DIR/bad_key"
	echo "$SSH_DIR/bad_key"
}

ssh_host() {
	echo "$1 $(id -un)@127.0.0.1 socket=$2 umltop=$SSH_DIR/umltop $(ssh_opts "${3:-}")" \
		>>"$XDG_CONFIG_HOME/umltop/hosts"
}
ssh_local() { echo "$1 - socket=$2" >>"$XDG_CONFIG_HOME/umltop/hosts"; }
