//! `shard-merge status`: the exit status the whole run would have had, read
//! from GNU parallel's `--joblog` files.
//!
//! GNU parallel exits with the number of failed jobs (capped at 101), so two
//! shards that each found bad records (exit 1) read as 2, synthkit's
//! usage-error status. The joblog keeps every job's own status. Its format, as
//! GNU parallel's manual gives it (`--joblog`): a header line, then one
//! tab-separated line per job with the columns `Seq Host Starttime JobRuntime
//! Send Receive Exitval Signal Command`. Columns are found by their header
//! names, so a log with extra columns still reads. The whole run's status is
//! the worst job's: 2 over 1 over 0, where a signal or any other status
//! counts as 2. A job listed twice (`--retries`, `--resume-failed`) counts
//! by its last line.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::report::printable;

/// The jobs of one or more joblogs: the last status of each job (by file and
/// Seq), and the worst of them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Jobs {
    /// (joblog index, Seq) → (exit value, signal, command).
    pub last: BTreeMap<(usize, i64), (i64, i64, String)>,
}

impl Jobs {
    /// Reads one joblog's text (`index` orders several logs).
    pub fn read(&mut self, index: usize, name: &str, text: &str) -> Result<(), Error> {
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let column = |want: &str| {
            header.iter().position(|h| h.trim() == want).ok_or_else(|| {
                Error::Usage(format!(
                    "{name}: not a GNU parallel --joblog file (its header has no {want} column)"
                ))
            })
        };
        let (seq, exit, signal) = (column("Seq")?, column("Exitval")?, column("Signal")?);
        let command = column("Command").ok();
        for (n, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split('\t').collect();
            let number = |at: usize, what: &str| {
                cells.get(at).and_then(|c| c.trim().parse::<i64>().ok()).ok_or_else(|| {
                    Error::Usage(format!(
                        "{name}: line {}: the {what} column is not a number",
                        n + 2
                    ))
                })
            };
            let job = number(seq, "Seq")?;
            let (code, sig) = (number(exit, "Exitval")?, number(signal, "Signal")?);
            // The command is the last column and may itself hold tabs.
            let cmd = command.map(|at| cells.get(at..).unwrap_or_default().join("\t"));
            self.last.insert((index, job), (code, sig, cmd.unwrap_or_default()));
        }
        Ok(())
    }

    /// The whole run's status: 2 over 1 over 0.
    pub fn status(&self) -> u8 {
        let mut worst = 0;
        for &(code, signal, _) in self.last.values() {
            let this = match (code, signal) {
                (0, 0) => 0,
                (1, 0) => 1,
                _ => 2,
            };
            worst = worst.max(this);
        }
        worst
    }

    /// What a person reads: the jobs counted by status, and the failed ones.
    pub fn summary(&self) -> String {
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        let mut failed = Vec::new();
        for (&(_, seq), (code, signal, cmd)) in &self.last {
            let key =
                if *signal != 0 { format!("signal {signal}") } else { format!("exit {code}") };
            *by_status.entry(key.clone()).or_default() += 1;
            if (*code, *signal) != (0, 0) && failed.len() < 5 {
                failed.push(format!("job {seq} ({key}): {}", printable(cmd)));
            }
        }
        let counts: Vec<String> = by_status.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let mut line = format!("{} jobs: {}", self.last.len(), counts.join(", "));
        if !failed.is_empty() {
            line.push_str(&format!("; {}", failed.join("; ")));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

    fn jobs(body: &str) -> Jobs {
        let mut jobs = Jobs::default();
        jobs.read(0, "log", &format!("{HEADER}{body}")).unwrap();
        jobs
    }

    #[test]
    fn two_jobs_with_bad_records_are_status_1_not_2() {
        let j = jobs("1\t:\t1.0\t0.1\t0\t0\t1\t0\tsf a\n2\t:\t1.0\t0.1\t0\t0\t1\t0\tsf b\n");
        assert_eq!(j.status(), 1);
        assert!(j.summary().starts_with("2 jobs: 2 exit 1"), "{}", j.summary());
    }

    #[test]
    fn a_usage_error_or_a_signal_is_2_and_a_retry_counts_by_its_last_line() {
        assert_eq!(jobs("1\t:\t1\t0\t0\t0\t2\t0\tx\n2\t:\t1\t0\t0\t0\t0\t0\ty\n").status(), 2);
        assert_eq!(jobs("1\t:\t1\t0\t0\t0\t-1\t9\tx\n").status(), 2);
        assert_eq!(jobs("1\t:\t1\t0\t0\t0\t1\t0\tx\n1\t:\t2\t0\t0\t0\t0\t0\tx\n").status(), 0);
    }

    #[test]
    fn a_file_that_is_no_joblog_is_refused() {
        let mut j = Jobs::default();
        let e = j.read(0, "x.txt", "hello\n").unwrap_err().to_string();
        assert!(e.contains("not a GNU parallel --joblog"), "{e}");
        let e = j.read(0, "x", &format!("{HEADER}1\t:\t1\t0\t0\t0\tabc\t0\tx\n")).unwrap_err();
        assert!(e.to_string().contains("line 2: the Exitval column"), "{e}");
    }
}
