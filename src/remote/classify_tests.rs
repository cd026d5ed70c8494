//! The texts below are what OpenSSH 9.2p1 wrote with `-E LOG -o LogLevel=DEBUG2` against a
//! real sshd (tests/common/sshd.rs), with paths shortened. ssh ends its log lines in CRLF.

use super::*;
use crate::engine::messages::ssh_failure;

fn crlf(s: &str) -> String {
    s.lines().map(|l| format!("{l}\r\n")).collect()
}

const MUX_PREAMBLE: &str = "debug1: Reading configuration data /home/ops/.ssh/config
debug1: /home/ops/.ssh/config line 1: Applying options for alpha
debug2: resolve_canonicalize: hostname 127.0.0.1 is address
debug1: auto-mux: Trying existing master
debug2: fd 4 setting O_NONBLOCK
debug2: mux_client_hello_exchange: master version 4
debug1: mux_client_request_session: master session id: 2";

fn mux(last: &str) -> String {
    crlf(&format!("{MUX_PREAMBLE}\n{last}"))
}

#[test]
fn a_status_that_came_back_is_the_commands_even_255() {
    let log = mux("debug2: Received exit status from master 255");
    assert_eq!(classify(Some(255), &log), SshOutcome::Exited(255));
    let direct = crlf(
        "debug1: Sending command: exec bash --norc -c '…'
debug1: client_input_channel_req: channel 0 rtype exit-status reply 0
Transferred: sent 3472, received 3280 bytes, in 0.3 seconds
debug1: Exit status 255",
    );
    assert_eq!(classify(Some(255), &direct), SshOutcome::Exited(255));
    assert_eq!(classify(Some(3), ""), SshOutcome::Exited(3));
    assert_eq!(
        classify(Some(0), &mux("debug2: Received exit status from master 0")),
        SshOutcome::Exited(0)
    );
}

#[test]
fn a_lost_connection_is_not_an_exit_status() {
    let mux_lost = mux("debug2: Control master terminated unexpectedly");
    assert_eq!(
        classify(Some(255), &mux_lost),
        SshOutcome::Failed(Failure::ConnectionLost)
    );
    let direct_lost = crlf(
        "debug1: Sending command: sleep 4
debug2: channel 0: read failed rfd 5 maxlen 32768: Broken pipe
debug1: channel 0: free: client-session, nchannels 1
Transferred: sent 3452, received 3204 bytes, in 0.8 seconds
debug1: Exit status -1",
    );
    assert_eq!(
        classify(Some(255), &direct_lost),
        SshOutcome::Failed(Failure::ConnectionLost)
    );
    assert!(Failure::ConnectionLost.may_have_run());
    assert_eq!(Failure::ConnectionLost.class(), Class::Connection);
}

#[test]
fn a_stopped_ssh_is_interrupted() {
    let log = mux("debug2: Exiting on signal: Terminated");
    assert_eq!(
        classify(Some(255), &log),
        SshOutcome::Failed(Failure::Interrupted)
    );
    assert_eq!(classify(None, ""), SshOutcome::Failed(Failure::Interrupted));
    let direct = crlf("debug1: channel 0: free: client-session, nchannels 1\nKilled by signal 15.");
    assert_eq!(
        classify(Some(255), &direct),
        SshOutcome::Failed(Failure::Interrupted)
    );
}

#[test]
fn an_unknown_host_key_names_the_host_and_port() {
    let log = crlf(
        "No ED25519 host key is known for [127.0.0.2]:2299 and you have requested strict checking.
Host key verification failed.",
    );
    let f = Failure::HostKeyUnknown {
        host: "127.0.0.2".into(),
        port: Some(2299),
    };
    assert_eq!(classify(Some(255), &log), SshOutcome::Failed(f.clone()));
    assert_eq!(f.class(), Class::HostKey);
    assert!(!f.may_have_run());
    assert!(ssh_failure(&f).contains("ssh-keyscan -p 2299 127.0.0.2 >> ~/.ssh/known_hosts"));
    assert!(ssh_failure(&f).contains("Nothing ran"));
    let plain = crlf(
        "No ECDSA host key is known for db-1 and you have requested strict checking.\nHost key verification failed.",
    );
    assert_eq!(
        classify(Some(255), &plain),
        SshOutcome::Failed(Failure::HostKeyUnknown {
            host: "db-1".into(),
            port: None
        })
    );
}

#[test]
fn a_changed_host_key_shows_the_new_fingerprint() {
    let log = crlf(
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:3XVCYQY805N+Qrk6daBu8HftIZ2mLrkoNQMssmJy/RQ.
Please contact your system administrator.
Add correct host key in /home/ops/.ssh/known_hosts to get rid of this message.
Offending ED25519 key in /home/ops/.ssh/known_hosts:2
  remove with:
  ssh-keygen -f \"/home/ops/.ssh/known_hosts\" -R \"[127.0.0.2]:2299\"
Host key for [127.0.0.2]:2299 has changed and you have requested strict checking.
Host key verification failed.",
    );
    let SshOutcome::Failed(f) = classify(Some(255), &log) else {
        panic!("not a failure")
    };
    assert_eq!(
        f,
        Failure::HostKeyChanged {
            host: "127.0.0.2".into(),
            port: Some(2299),
            fingerprint: Some("SHA256:3XVCYQY805N+Qrk6daBu8HftIZ2mLrkoNQMssmJy/RQ".into()),
        }
    );
    assert!(ssh_failure(&f).contains("SHA256:3XVCYQY805N+Qrk6daBu8HftIZ2mLrkoNQMssmJy/RQ"));
    assert!(ssh_failure(&f).contains("ssh-keygen -R '[127.0.0.2]:2299'"));
    assert_eq!(f.kind(), "host_key_changed");
}

#[test]
fn a_refused_login_is_an_auth_failure() {
    let log = crlf("root@127.0.0.1: Permission denied (publickey).");
    let f = Failure::AuthFailed {
        methods: "publickey".into(),
    };
    assert_eq!(classify(Some(255), &log), SshOutcome::Failed(f.clone()));
    assert_eq!(f.class(), Class::Auth);
}

#[test]
fn connection_failures_each_say_what_failed() {
    let cases = [
        (
            "ssh: connect to host 127.0.0.1 port 2300: Connection refused",
            Failure::Refused {
                host: "127.0.0.1".into(),
                port: Some(2300),
            },
        ),
        (
            "ssh: Could not resolve hostname nosuch.invalid: Name or service not known",
            Failure::Unresolved {
                host: "nosuch.invalid".into(),
            },
        ),
        (
            "Connection timed out during banner exchange\nConnection to 10.255.255.1 port 22 timed out",
            Failure::TimedOut,
        ),
        (
            "ssh: connect to host 192.0.2.1 port 22: No route to host",
            Failure::Unreachable,
        ),
    ];
    for (text, want) in cases {
        let got = classify(Some(255), &crlf(text));
        assert_eq!(got, SshOutcome::Failed(want.clone()), "{text}");
        assert_eq!(want.class(), Class::Connection);
        assert!(!want.may_have_run());
        assert!(ssh_failure(&want).contains("Nothing ran there."));
    }
    assert!(
        Failure::Refused {
            host: "h".into(),
            port: Some(2300)
        }
        .kind()
            == "connection_refused"
    );
    assert!(
        ssh_failure(&Failure::Refused {
            host: "h".into(),
            port: Some(2300)
        })
        .contains("port 2300")
    );
}

#[test]
fn anything_else_is_kept_in_ssh_s_words() {
    let log = crlf(
        "debug1: something\nkex_exchange_identification: read: Connection reset by peer\nfoo: bar",
    );
    // A reset is a lost connection; an unknown message is kept.
    assert_eq!(
        classify(Some(255), &log),
        SshOutcome::Failed(Failure::ConnectionLost)
    );
    let SshOutcome::Failed(f) = classify(Some(255), &crlf("weird thing\nanother thing")) else {
        panic!()
    };
    assert_eq!(f.kind(), "ssh_failed");
    assert!(
        ssh_failure(&f).contains(": another thing"),
        "{}",
        ssh_failure(&f)
    );
    let SshOutcome::Failed(silent) = classify(Some(255), "") else {
        panic!()
    };
    assert!(ssh_failure(&silent).contains("said nothing"));
}
