using System.Globalization;

namespace ImbalanceFair.Cli.Commands.Run;

/// <summary>
/// Stops a trial whose `imbfair sweep` parent died without passing on a signal (SIGKILL, OOM killer): the sweep names
/// itself in <c>IMBFAIR_PARENT_PID</c>, and once this process has been re-parented the run stops as on SIGTERM, at the
/// end of the step in flight, keeping its last checkpoint, so a restarted sweep resumes it instead of finding it
/// locked by an orphan nobody watches.
/// </summary>
internal static class ParentWatch
{
    public const string Variable = Core.Sweeps.TrialProcess.ParentPidVariable;

    public static IDisposable? Start(Action orphaned)
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (!OperatingSystem.IsLinux() || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
        {
            return null;
        }

        var fired = 0;
        return new Timer(
            _ =>
            {
                if (GetParentPid() != parent && Interlocked.Exchange(ref fired, 1) == 0)
                {
                    orphaned();
                }
            },
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));
    }

    /// <summary>The fourth field of /proc/self/stat, after the command name in parentheses (which may hold spaces).</summary>
    private static int GetParentPid()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }
}
