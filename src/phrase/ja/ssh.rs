//! What a command on a host that ssh could not run says in Japanese: from the failure's
//! kind, as `command_finished` journals it beside the engine's English sentence
//! (`engine/messages/ssh.rs`). The kind says what happened and what to check; where the
//! English names what only the run knew (the host, its key's fingerprint, what ssh or the
//! host said), it is kept after the Japanese as the original.

/// The Japanese for ssh's failure of `kind`; `message` is the journaled English.
pub fn failure(kind: &str, message: &str) -> String {
    let original = || format!("（原文：{message}）");
    let nothing_ran = "ホスト上では何も実行されていない";
    let network = "ネットワーク経路（VPN、踏み台の `ProxyJump`、ファイアウォール）を確認すること。`ssh -v HOST true` でどこで止まるかが分かる";
    match kind {
        "host_key_unknown" => format!(
            "ssh がホスト鍵を知らないため、本物のホストとなりすましを区別できない（shisa は新しい鍵を自動では受け入れない）。{nothing_ran}。ホストのコンソールなどで鍵のフィンガープリントを確かめてから known_hosts に追加すること{}",
            original()
        ),
        "host_key_changed" => format!(
            "ホストが known_hosts と異なるホスト鍵を提示した。ホストが再構築されたか、間に第三者がいる可能性がある。{nothing_ran}。鍵が本当に変わったかをホストの管理者に確認すること{}",
            original()
        ),
        "host_key_rejected" => format!(
            "ssh がホスト鍵を検証できなかった（host key verification failed）。{nothing_ran}。`ssh -v HOST true` でどの検証が失敗したかを確認すること"
        ),
        "auth_failed" => format!(
            "ホストがログインを拒否した（shisa はパスワードを入力しない：BatchMode）。{nothing_ran}。`ssh -o BatchMode=yes HOST true` が通るか、鍵が読み込まれているか（`ssh-add -l`）、ログインユーザーが正しいかを確認すること"
        ),
        "connection_refused" => format!(
            "ホストが ssh の接続を拒否した（connection refused）。{nothing_ran}。ホストで sshd が動いているか、ポート（~/.ssh/config、または `SHISA_SSH_CONFIG` が指すファイルの `Port`）が正しいかを確認すること"
        ),
        "unresolved" => format!(
            "ホスト名を名前解決できなかった。{nothing_ran}。綴り、~/.ssh/config（または `SHISA_SSH_CONFIG` が指すファイル）の `HostName`、DNS を確認すること"
        ),
        "timed_out" => format!(
            "ホストが時間内に応答しなかった（タイムアウト）。{nothing_ran}。{network}"
        ),
        "unreachable" => format!(
            "ホストへの経路がない（network unreachable）。{nothing_ran}。{network}"
        ),
        "connection_lost" => "コマンドの実行中にホストとの接続が切れ、終了ステータスが返らなかった。コマンドが最後まで実行されたかは不明。ホストが動いていれば、セッションが閉じた時点でリモート側がコマンドを止める（TERM、5 秒後に KILL）。ホストの状態とコマンドが変更した内容を確認してから、再実行するか、理由を添えて完了とすること".into(),
        "interrupted" => "ssh がこちら側で止められた（停止またはタイムアウト）。セッションが閉じた時点でリモート側がコマンドを止める（TERM、5 秒後に KILL）。先に進む前に、コマンドが変更した内容と、まだ動いているものがないかを確認すること".into(),
        "ssh_failed" => format!(
            "終了ステータスが返る前に ssh が失敗した。`ssh -v HOST true` で原因を確認すること（ssh のログは出力ログの隣にある）{}",
            original()
        ),
        "host_not_ready" => format!(
            "ホストには接続できたが、コマンドを実行できる状態ではなかった（bash、必要なツール、`sudo -n` のいずれかが使えない）。{nothing_ran}{}",
            original()
        ),
        "stopped_connecting" => format!("ホストへの接続中に停止された。{nothing_ran}"),
        "bad_destination" => format!(
            "ホストの指定が ssh の接続先として正しくない。{nothing_ran}{}",
            original()
        ),
        "bad_request" => format!(
            "コマンドをホストへの要求にまとめられなかった。{nothing_ran}{}",
            original()
        ),
        // A kind this shisa does not know (a newer one's): what ssh failed, and its words.
        _ => format!("ssh 自体の失敗（{kind}）：{message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::failure;

    /// Every kind the engine journals is said in Japanese, not passed through in English.
    #[test]
    fn every_journaled_kind_is_said_in_japanese() {
        for kind in [
            "host_key_unknown",
            "host_key_changed",
            "host_key_rejected",
            "auth_failed",
            "connection_refused",
            "unresolved",
            "timed_out",
            "unreachable",
            "connection_lost",
            "interrupted",
            "ssh_failed",
            "host_not_ready",
            "stopped_connecting",
            "bad_destination",
            "bad_request",
        ] {
            let said = failure(kind, "English words");
            assert!(!said.starts_with("ssh 自体の失敗"), "{kind}: {said}");
            assert!(!said.contains(':'), "{kind}: a half-width colon: {said}");
        }
        assert_eq!(
            failure("warp_drive", "it broke"),
            "ssh 自体の失敗（warp_drive）：it broke"
        );
    }
}
