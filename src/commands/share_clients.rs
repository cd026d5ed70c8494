//! `shisa sessions`, `shisa approve` and `shisa note`: short conversations with a live run.

use crate::phrase::{EN, Phrasebook as _};
use std::io::{BufRead, Write};
use std::time::Duration;

use crate::exit::{Error, Exit, Result};
use crate::share::client::{self, Connection};
use crate::share::protocol::{ClientMsg, Want};
use crate::text_safety::one_line;

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the runtime: {e}")))
}

pub fn sessions() -> Result<Exit> {
    let rt = runtime()?;
    let mut rows = Vec::new();
    let mut closed = 0;
    let mut stale = 0;
    for (id, socket) in client::sockets() {
        let conn = rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(2), client::connect(&socket, Want::Info)).await
        });
        match conn {
            Ok(Ok(c)) => {
                let w = c.welcome;
                let step = match &w.pending {
                    Some(p) => format!("{} — WAITING FOR APPROVAL", p.title),
                    None => w.current_step.unwrap_or_default(),
                };
                rows.push([
                    id,
                    w.runbook_name,
                    format!("{}@{}", w.operator, w.host),
                    w.started.get(..19).unwrap_or("").replace('T', " "),
                    step,
                ]);
            }
            _ if client::remove_if_stale_and_mine(&socket) => stale += 1,
            _ => closed += 1,
        }
    }
    if rows.is_empty() {
        println!(
            "no live sessions you can join in {}",
            crate::share::socket_dir::dir().display()
        );
    } else {
        for line in session_lines(&rows) {
            println!("{line}");
        }
    }
    if stale > 0 {
        println!(
            "(removed {stale} socket(s) of yours left by runs whose process is gone; `shisa resume RUN_DIR` continues such a run)"
        );
    }
    if closed > 0 {
        println!("({closed} other session(s) are not shared with you or have ended)");
    }
    Ok(Exit::Ok)
}

/// The live sessions as lines: a short table (run id, operator, start), each row followed
/// by its runbook and its current step on lines of their own. Five columns in one row
/// wrapped even the header at 80 columns (cold read); a long name or step now wraps only
/// its own line.
fn session_lines(rows: &[[String; 5]]) -> Vec<String> {
    let head = ["RUN ID", "OPERATOR", "STARTED"];
    let cols = |r: &[String; 5]| [r[0].clone(), r[2].clone(), r[3].clone()];
    let widths: Vec<usize> = (0..2)
        .map(|i| {
            rows.iter()
                .map(|r| cols(r)[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: [&str; 3]| {
        format!(
            "{:<w0$}  {:<w1$}  {}",
            c[0],
            c[1],
            c[2],
            w0 = widths[0],
            w1 = widths[1]
        )
        .trim_end()
        .to_string()
    };
    let mut out = vec![line(head)];
    for r in rows {
        let c = cols(r);
        out.push(line([&c[0], &c[1], &c[2]]));
        out.push(format!("  runbook: {}", r[1]));
        if !r[4].is_empty() {
            out.push(format!("  now at:  {}", r[4]));
        }
    }
    out
}

fn connect(rt: &tokio::runtime::Runtime, run_id: &str, want: Want) -> Result<Connection> {
    let socket = client::find(Some(run_id)).map_err(Error::Invalid)?;
    rt.block_on(client::connect(&socket, want))
        .map_err(Error::Failed)
}

/// The reviewer's second signature: shows what waits, asks for the target, sends it.
pub fn approve(run_id: &str, typed: Option<&str>) -> Result<Exit> {
    let rt = runtime()?;
    let mut conn = connect(&rt, run_id, Want::Approve)?;
    let w = conn.welcome.clone();
    let Some(p) = w.pending else {
        println!(
            "run {} ({}): no step is waiting for approval",
            w.run_id, w.runbook_name
        );
        return Ok(Exit::Failed);
    };
    println!("run      {} — {}", w.run_id, w.runbook_name);
    println!("operator {}@{}   you are {}", w.operator, w.host, w.you);
    println!("step     {} ({})", p.title, p.step);
    if let Some(a) = &p.approvals {
        println!("needs    {a}");
    }
    println!("command  {}", p.command);
    println!();
    if p.blind {
        // The server did not send the target: the reviewer names the one they intend.
        println!("target   {}", EN.reviewer_ask(true).text());
    } else {
        println!("    ┌{}┐", "─".repeat(p.target.chars().count() + 4));
        println!(
            "    │  {}  │   ← the target, as the system resolved it",
            p.target
        );
        println!("    └{}┘", "─".repeat(p.target.chars().count() + 4));
    }
    if w.you == w.operator && !p.allow_self {
        println!("note: you are the operator; this step needs a different person's approval");
    }
    let typed = match typed {
        Some(t) => t.to_string(),
        None => {
            let ask = if p.blind {
                "the target you intend: "
            } else {
                "type the target to approve: "
            };
            print!("{ask}");
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Error::Failed(e.to_string()))?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    let msg = ClientMsg::Approve {
        run_id: w.run_id,
        step: p.step,
        command_sha256: p.command_sha256,
        request: p.request,
        typed,
        sudo_user: crate::share::client::sudo_user(),
    };
    let (ok, message) = rt
        .block_on(client::request(&mut conn, &msg))
        .map_err(Error::Failed)?;
    if ok {
        println!("APPROVED — {}", one_line(&message));
        Ok(Exit::Ok)
    } else {
        // A mistyped target is not a refusal of anything: the request still waits.
        println!("NOT APPROVED — {}", one_line(&message));
        Ok(Exit::Failed)
    }
}

/// The reviewer says no, with a reason the operator reads at once; the step does not run.
pub fn reject(run_id: &str, reason: &str) -> Result<Exit> {
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "--reject needs a reason for the operator".into(),
        ));
    }
    let rt = runtime()?;
    let mut conn = connect(&rt, run_id, Want::Approve)?;
    let w = conn.welcome.clone();
    let Some(p) = w.pending else {
        println!(
            "run {} ({}): no step is waiting for approval",
            w.run_id, w.runbook_name
        );
        return Ok(Exit::Failed);
    };
    println!("run      {} — {}", w.run_id, w.runbook_name);
    println!("step     {} ({})", p.title, p.step);
    let msg = ClientMsg::Reject {
        run_id: w.run_id,
        step: p.step,
        command_sha256: p.command_sha256,
        request: p.request,
        reason: reason.trim().to_string(),
        sudo_user: crate::share::client::sudo_user(),
    };
    let (ok, message) = rt
        .block_on(client::request(&mut conn, &msg))
        .map_err(Error::Failed)?;
    if ok {
        println!("REJECTED — {}", one_line(&message));
        Ok(Exit::Ok)
    } else {
        println!("NOT RECORDED — {}", one_line(&message));
        Ok(Exit::Failed)
    }
}

pub fn note(run_id: &str, text: &str) -> Result<Exit> {
    let rt = runtime()?;
    let mut conn = connect(&rt, run_id, Want::Note)?;
    let (ok, message) = rt
        .block_on(client::request(
            &mut conn,
            &ClientMsg::Note {
                text: text.to_string(),
            },
        ))
        .map_err(Error::Failed)?;
    println!("{}", one_line(&message));
    Ok(if ok { Exit::Ok } else { Exit::Failed })
}

#[cfg(test)]
mod tests {
    use super::session_lines;

    /// Cold read: `shisa sessions` wrapped its `CURRENT STEP` header at 80 columns.
    #[test]
    fn sessions_fit_80_columns_with_a_long_runbook_and_step() {
        let row = [
            "20261203T025120Z-633c".to_string(),
            "Rolling restart of the web tier".to_string(),
            "ops1@bastion-1".to_string(),
            "2026-12-03 02:51:20".to_string(),
            "Restart svc-2 on the new version — WAITING FOR APPROVAL".to_string(),
        ];
        let lines = session_lines(&[row.clone(), row]);
        assert_eq!(
            lines[..4],
            [
                "RUN ID                 OPERATOR        STARTED",
                "20261203T025120Z-633c  ops1@bastion-1  2026-12-03 02:51:20",
                "  runbook: Rolling restart of the web tier",
                "  now at:  Restart svc-2 on the new version — WAITING FOR APPROVAL",
            ]
        );
        for l in &lines {
            assert!(l.chars().count() <= 80, "{l}");
        }
    }
}
