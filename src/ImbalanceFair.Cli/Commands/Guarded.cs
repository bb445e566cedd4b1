using System.Text.Json;
using System.Text.RegularExpressions;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Reports;
using ImbalanceFair.Core.Runs;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Cli.Commands;

/// <summary>
/// How a command that did not succeed says so (DESIGN §9): its exit code, one <c>error: ...</c> line on stderr (no
/// stack trace for the user's errors), and with <c>--json</c> one object on stdout,
/// <c>{"status": "failed" | "invalid" | "interrupted", "exit_code": N, "error": {"kind", "message", "key"}}</c>,
/// which is what `imbfair sweep` reads from its trials.
/// </summary>
internal sealed partial record Failure(int ExitCode, string Status, string Kind, string Message, string? Key = null, string? RunDir = null)
{
    public static Failure Interrupted(int exitCode) =>
        new(exitCode, "interrupted", exitCode == ExitCodes.Terminated ? "sigterm" : "sigint",
            $"interrupted by {(exitCode == ExitCodes.Terminated ? "SIGTERM" : "SIGINT")}; what finished is kept, run the same command again to resume");

    /// <summary>The failure an exception means; null for one no command expects (a bug: it keeps its stack trace).</summary>
    public static Failure From(Exception e) => e switch
    {
        ConfigException => new(ExitCodes.Usage, "invalid", "config", e.Message, KeyOf(e.Message)),
        ReportException => new(ExitCodes.Usage, "invalid", "report", e.Message),
        RunLockedException => new(ExitCodes.Locked, "failed", "locked", e.Message),
        DataFormatException or SafeTensorsFormatException => new(ExitCodes.Failed, "failed", "data", e.Message),
        RunFailedException { InnerException: { } inner } f => From(inner) with
        {
            ExitCode = ExitCodes.Failed, Status = "failed", Message = $"{inner.Message} (details in {f.RunDir}/run.log)", RunDir = f.RunDir,
        },
        IOException or UnauthorizedAccessException => new(ExitCodes.Failed, "failed", "io", e.Message),
        _ => new(ExitCodes.Failed, "failed", "error", $"{e.GetType().Name}: {e.Message}"),
    };

    /// <summary>
    /// Config messages start with the dotted key they are about ("imbalance.ratio: ...", "train.lr must ..."); the
    /// others name the key to change in their advice ("raise imbalance.n_max ..."), the first one is taken.
    /// </summary>
    private static string? KeyOf(string message)
    {
        var m = LeadingKey().Match(message);
        if (m.Success)
        {
            return m.Groups[1].Value;
        }

        var mentioned = MentionedKey().Match(message);
        return mentioned.Success ? mentioned.Value : null;
    }

    public int Report(TextWriter stdout, TextWriter stderr, bool json)
    {
        stderr.WriteLine($"error: {Message}");
        if (json)
        {
            stdout.WriteLine(Json());
        }

        return ExitCode;
    }

    public string Json()
    {
        var error = new Dictionary<string, string?> { ["kind"] = Kind, ["message"] = Message, ["key"] = Key };
        var body = new Dictionary<string, object?> { ["status"] = Status, ["exit_code"] = ExitCode, ["error"] = error };
        if (RunDir is not null)
        {
            body["run_dir"] = RunDir;
        }

        return JsonSerializer.Serialize(body, s_json);
    }

    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex(@"\b(?:dataset|imbalance|augment|model|train|eval|output)\.[a-z0-9_.]*[a-z0-9_]")]
    private static partial Regex MentionedKey();

    [GeneratedRegex(@"^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+|seed|name|device)(?=[:\s])")]
    private static partial Regex LeadingKey();
}

/// <summary>Runs a command body and turns whatever it throws into its <see cref="Failure"/>.</summary>
internal static class Guarded
{
    public static int Run(TextWriter stdout, TextWriter stderr, bool json, Func<int> body, SignalStop? stop = null)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException) when (stop is { Requested: true })
        {
            return Failure.Interrupted(stop.ExitCode).Report(stdout, stderr, json);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var failure = Failure.From(e);
            if (failure.Kind == "error" && e is not RunFailedException)
            {
                // Not an error any command expects: keep the stack trace for the bug report.
                stderr.WriteLine(e.ToString());
            }

            return failure.Report(stdout, stderr, json);
        }
    }

    public static int Run(TextWriter stderr, Func<int> body) => Run(TextWriter.Null, stderr, json: false, body);
}
