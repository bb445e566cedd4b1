using System.Diagnostics;
using System.Text.Json;

namespace ImbalanceFair.Cli.Tests.Support;

/// <summary>Headless Chromium (Debian's `chromium`, which scripts/test installs) with a fresh profile per call.</summary>
public static class Chromium
{
    /// <summary>IMBFAIR_CHROMIUM, else `chromium` on PATH; null when there is none.</summary>
    public static string? Executable =>
        Environment.GetEnvironmentVariable("IMBFAIR_CHROMIUM") is { Length: > 0 } p ? p
        : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "chromium")).FirstOrDefault(File.Exists);

    /// <summary>Runs Chromium on a page with name lookups failing, background networking off and a net log; returns stdout.</summary>
    public static string Run(string page, string netLog, params string[] extra)
    {
        var profile = Directory.CreateTempSubdirectory("imbfair-chromium-");
        try
        {
            var psi = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("no chromium"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[]
                     {
                         "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
                         "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=15000", $"--user-data-dir={profile.FullName}",
                         $"--log-net-log={netLog}",
                     }.Concat(extra).Append(new Uri(page).AbsoluteUri))
            {
                psi.ArgumentList.Add(a);
            }

            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish in two minutes");
            }

            return stdout.Result;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The URLs the page itself asked for, from a net log: requests whose initiator is the page's (opaque, "null")
    /// file origin. Chromium's own background requests have no origin and are not the page's doing.
    /// </summary>
    public static List<string> PageRequests(string netLog)
    {
        using var log = JsonDocument.Parse(File.ReadAllText(netLog));
        var startJob = log.RootElement.GetProperty("constants").GetProperty("logEventTypes").GetProperty("URL_REQUEST_START_JOB").GetInt32();
        var urls = new List<string>();
        foreach (var e in log.RootElement.GetProperty("events").EnumerateArray())
        {
            if (e.GetProperty("type").GetInt32() == startJob && e.TryGetProperty("params", out var p) && p.TryGetProperty("url", out var url)
                && p.TryGetProperty("initiator", out var initiator) && initiator.GetString() != "not an origin")
            {
                urls.Add(url.GetString()!);
            }
        }

        return urls;
    }
}
