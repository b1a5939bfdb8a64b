using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// One src/Examples command running as its own process (a 'worker' on loopback ports unless told otherwise, or a search
/// that sends its children to workers), with its output lines kept so a test can wait for one (ready, training a child)
/// and then SIGKILL it.
/// </summary>
public sealed class ExamplesProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private TaskCompletionSource _newLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExamplesProcess(string name, int gatewayPort, IEnumerable<string> arguments)
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

    /// <summary>Starts a worker (with more <paramref name="options"/>); <paramref name="primaryPort"/> null makes it the cluster's first (primary) silo.</summary>
    public static ExamplesProcess Start(string name, int? primaryPort, string cacheDirectory, out int siloPort, params string[] options)
    {
        siloPort = FreePort();
        return Start(name, cacheDirectory, siloPort, FreePort(), new[] { "--primary-port", (primaryPort ?? siloPort).ToString() }.Concat(options).ToArray());
    }

    /// <summary>Starts a worker on the given ports with more <paramref name="options"/> (membership, address).</summary>
    public static ExamplesProcess Start(string name, string cacheDirectory, int siloPort, int gatewayPort, params string[] options) =>
        new(name, gatewayPort, new[]
        {
            "worker", "--name", name, "--silo-port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString(),
            "--cache-dir", cacheDirectory, "--threads-per-child", "1", "--probe-seconds", "1",
        }.Concat(options));

    /// <summary>Starts another Examples command (e.g. a search with --orleans), named <paramref name="name"/> in failures.</summary>
    public static ExamplesProcess StartCommand(string name, params string[] arguments) => new(name, 0, arguments);

    /// <summary>Runs the worker command to its end (one that refuses its options exits at once): exit code and output.</summary>
    public static (int ExitCode, string Output) RunToExit(TimeSpan timeout, params string[] options)
    {
        ProcessStartInfo start = StartInfo(options.Prepend("worker"));
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
        foreach (string argument in new[] { "exec", ModelZipRoundTripTests.ProgramPath(Path.Combine("src", "Examples"), "Examples") }.Concat(options))
            start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = "1";
        return start;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> appears; fails with the output so far otherwise.</summary>
    public Task WaitForLineAsync(string text, TimeSpan timeout) => WaitForLines(text, 1, timeout);

    /// <summary>Waits until <paramref name="count"/> lines contain <paramref name="text"/>; fails with the output so far otherwise.</summary>
    public async Task WaitForLines(string text, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task next;
            lock (_lines)
            {
                if (_lines.Count(l => l.Contains(text)) >= count) return;
                next = _newLine.Task;
            }
            if (_process.HasExited || clock.Elapsed > timeout)
                Assert.Fail($"{Name} printed fewer than {count} '{text}' line(s) (exited: {_process.HasExited}):\n{Output}");
            await Task.WhenAny(next, Task.Delay(250));
        }
    }

    /// <summary>The output lines so far that contain <paramref name="text"/>.</summary>
    public string[] Lines(string text)
    {
        lock (_lines) return _lines.Where(l => l.Contains(text)).ToArray();
    }

    /// <summary>Waits for the process to end by itself and returns its exit code; fails with its output after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name} was still running after {timeout.TotalSeconds:0} s:\n{Output}");
        }
        _process.WaitForExit(); // the output's last lines
        return _process.ExitCode;
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
