using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// One 'worker' command of src/Examples running as its own process (on loopback ports unless told otherwise), with its
/// output lines kept so a test can wait for one (ready, training a child) and then SIGKILL it.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private TaskCompletionSource _newLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(string name, int gatewayPort, IEnumerable<string> arguments)
    {
        (Name, GatewayPort) = (name, gatewayPort);
        _process = Process.Start(StartInfo(arguments))!;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int GatewayPort { get; }

    /// <summary>Starts a worker; <paramref name="primaryPort"/> null makes it the cluster's first (primary) silo.</summary>
    public static WorkerProcess Start(string name, int? primaryPort, string cacheDirectory, out int siloPort)
    {
        siloPort = FreePort();
        return Start(name, cacheDirectory, siloPort, FreePort(), "--primary-port", (primaryPort ?? siloPort).ToString());
    }

    /// <summary>Starts a worker on the given ports with more <paramref name="options"/> (membership, address).</summary>
    public static WorkerProcess Start(string name, string cacheDirectory, int siloPort, int gatewayPort, params string[] options) =>
        new(name, gatewayPort, new[]
        {
            "--name", name, "--silo-port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString(),
            "--cache-dir", cacheDirectory, "--threads-per-child", "1", "--probe-seconds", "1",
        }.Concat(options));

    /// <summary>Runs the worker command to its end (one that refuses its options exits at once): exit code and output.</summary>
    public static (int ExitCode, string Output) RunToExit(TimeSpan timeout, params string[] options)
    {
        ProcessStartInfo start = StartInfo(options);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The worker command with {string.Join(" ", options)} was still running after {timeout.TotalSeconds:0} s.");
        }
        return (process.ExitCode, output.Result + errors.Result);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> options)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "exec", ModelZipRoundTripTests.ProgramPath(Path.Combine("src", "Examples"), "Examples"), "worker" }.Concat(options))
            start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "1";
        return start;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> appears; fails with the output so far otherwise.</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task next;
            lock (_lines)
            {
                if (_lines.Any(l => l.Contains(text))) return;
                next = _newLine.Task;
            }
            if (_process.HasExited || clock.Elapsed > timeout)
                Assert.Fail($"Worker {Name} printed no '{text}' (exited: {_process.HasExited}):\n{Output}");
            await Task.WhenAny(next, Task.Delay(250));
        }
    }

    public string Output
    {
        get { lock (_lines) return string.Join("\n", _lines); }
    }

    /// <summary>SIGKILL: the process gets no chance to leave the cluster gracefully.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(line);
            TaskCompletionSource signal = _newLine;
            _newLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal.TrySetResult();
        }
    }
}
