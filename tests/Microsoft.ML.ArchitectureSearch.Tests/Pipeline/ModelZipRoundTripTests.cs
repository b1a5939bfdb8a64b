using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

[Collection(FittedImageModelCollection.Name)]
public sealed class ModelZipRoundTripTests
{
    private const string WeightsEntrySuffix = "TorchSharpWeights.bin";
    private readonly FittedImageModelFixture _f;

    public ModelZipRoundTripTests(FittedImageModelFixture fixture) => _f = fixture;

    private string SaveModel(string name)
    {
        string path = Path.Combine(_f.Directory, name);
        _f.ML.Model.Save(_f.Model, _f.TrainView.Schema, path);
        return path;
    }

    [Fact]
    public void LoadInTheSameProcessGivesTheTransformerItselfWithIdenticalPredictions()
    {
        string path = SaveModel("same-process.zip");
        ITransformer loaded = new MLContext(seed: 1).Model.Load(path, out DataViewSchema inputSchema);

        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        var searched = Assert.IsType<ArchitectureSearchTransformer>(chain.LastTransformer);
        Assert.Equal(_f.Searched.Architecture, searched.Architecture);
        Assert.Equal(_f.Searched.Task, searched.Task);
        Assert.Equal(_f.Searched.History.Columns.Select(c => (c.Name, c.DataType)), searched.History.Columns.Select(c => (c.Name, c.DataType)));
        Assert.Equal(_f.TrainView.Schema.Select(c => c.Name), inputSchema.Select(c => c.Name));
        Assert.Equal(_f.Predict(_f.Model, _f.Test.Length), _f.Predict(loaded, _f.Test.Length));
    }

    [Fact]
    public async Task LoadInASeparateProcessGivesTheTransformerItselfWithIdenticalPredictions()
    {
        const int count = 50;
        string path = SaveModel("other-process.zip");
        string output = Path.Combine(_f.Directory, "other-process-predictions.txt");
        string probe = ProbePath();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", probe, path, "test_batch.bin", count.ToString(), output },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"probe exit code {process.ExitCode}: {await stdout} {await stderr}");

        string[] lines = File.ReadAllLines(output);
        Assert.Equal(_f.Searched.Architecture.Json, lines[0]);
        Assert.Equal(_f.Searched.Architecture.Hash, lines[1]);
        Assert.Equal(_f.Predict(_f.Model, count), lines[2..]);
    }

    [Fact]
    public void TruncatedZipFailsToLoadWithAnException()
    {
        string path = SaveModel("truncated.zip");
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        // ML.NET itself refuses the file before any of this library's code runs.
        var error = Assert.Throws<FormatException>(() => new MLContext().Model.Load(path, out _));
        Assert.Contains("zip", error.Message);
    }

    [Fact]
    public void AlteredWeightsEntryFailsToLoadWithAChecksumError()
    {
        string path = SaveModel("altered-weights.zip");
        RewriteEntry(path, name => name.EndsWith(WeightsEntrySuffix, StringComparison.Ordinal), bytes =>
        {
            for (int i = bytes.Length / 2; i < bytes.Length / 2 + 16; i++)
                bytes[i] ^= 0x5A;
        });
        var error = Assert.IsType<InvalidDataException>(Unwrap(Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _))));
        Assert.Contains("checksum of its network weights", error.Message);
    }

    [Fact]
    public void AlteredArchitectureInThePayloadFailsToLoadWithAChecksumError()
    {
        string path = SaveModel("altered-payload.zip");
        byte[] json = System.Text.Encoding.UTF8.GetBytes(_f.Searched.Architecture.Json);
        // The transformer's model stream (not the chain's): the one that holds the architecture JSON.
        RewriteEntry(path, name => name.EndsWith("Transform_001/Model.key", StringComparison.Ordinal), bytes =>
        {
            int at = bytes.AsSpan().IndexOf(json);
            Assert.True(at >= 0, "the architecture JSON is not in the transformer's model stream");
            bytes[at + json.Length - 2] ^= 0x01; // a digit of the last width
        });
        var error = Assert.IsType<InvalidDataException>(Unwrap(Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _))));
        Assert.Contains("checksum of its payload header", error.Message);
    }

    [Fact]
    public void ACorruptModelReachesTheUserAsMLNetsTwoTargetInvocationExceptionsAroundTheClearError()
    {
        // ML.NET's ComponentCatalog calls the loader by reflection, twice nested, and does not unwrap: this is what a
        // user catches from Model.Load (documented in docs/mlnet-model-zip.md); GetBaseException() gives the message.
        string path = SaveModel("wrapped.zip");
        RewriteEntry(path, name => name.EndsWith(WeightsEntrySuffix, StringComparison.Ordinal), bytes => bytes[bytes.Length / 2] ^= 0x5A);
        Exception thrown = Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _));
        var outer = Assert.IsType<TargetInvocationException>(thrown);
        var inner = Assert.IsType<TargetInvocationException>(outer.InnerException);
        var error = Assert.IsType<InvalidDataException>(inner.InnerException);
        Assert.Same(error, thrown.GetBaseException());
        Assert.Contains("checksum of its network weights", error.Message);
    }

    private static void RewriteEntry(string zipPath, Func<string, bool> select, Action<byte[]> alter)
    {
        using ZipArchive zip = ZipFile.Open(zipPath, ZipArchiveMode.Update);
        ZipArchiveEntry entry = Assert.Single(zip.Entries, e => select(e.FullName));
        byte[] bytes;
        using (Stream read = entry.Open())
        using (var copy = new MemoryStream())
        {
            read.CopyTo(copy);
            bytes = copy.ToArray();
        }
        alter(bytes);
        string name = entry.FullName;
        entry.Delete();
        using Stream write = zip.CreateEntry(name).Open();
        write.Write(bytes);
    }

    [Fact]
    public void MLNetIsThePinnedVersionWhoseInternalsTheModelZipCodeUses()
    {
        // The model-zip code calls ML.NET internals (Pipeline/MLNetInternals). If this fails after an upgrade, re-check
        // that code against the new version, run these round-trip tests, then change MicrosoftMLPinnedVersion.
        foreach (Assembly assembly in new[] { typeof(Microsoft.ML.Runtime.IHostEnvironment).Assembly, typeof(MLContext).Assembly })
        {
            string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            Assert.NotNull(version);
            Assert.StartsWith("5.0.1", version);
        }
        Assert.Contains(_f.Searched.GetType().Assembly.GetCustomAttributesData(),
            a => a.AttributeType.FullName == "Microsoft.ML.LoadableClassAttribute");
    }

    private static Exception Unwrap(Exception error)
    {
        while (error is TargetInvocationException or TypeInitializationException && error.InnerException != null)
            error = error.InnerException!;
        for (Exception? e = error; e != null; e = e.InnerException)
        {
            if (e is InvalidDataException)
                return e;
        }
        return error;
    }

    // The probe is built by the tests' project reference into its own output folder (next to this one's).
    internal static string ProbePath() => ProgramPath(Path.Combine("tests", "Microsoft.ML.ArchitectureSearch.ModelLoadProbe"), "Microsoft.ML.ArchitectureSearch.ModelLoadProbe");

    /// <summary>The built program of the project in <paramref name="projectDirectory"/> (relative to the repository),
    /// in this test build's configuration and framework; the tests' project references build it.</summary>
    internal static string ProgramPath(string projectDirectory, string assemblyName)
    {
        var outputDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = outputDir.Name, configuration = outputDir.Parent!.Name;
        DirectoryInfo repository = outputDir.Parent!.Parent!.Parent!.Parent!.Parent!;
        string path = Path.Combine(repository.FullName, projectDirectory, "bin", configuration, framework, assemblyName + ".dll");
        Assert.True(File.Exists(path), $"{assemblyName} was not built at {path}.");
        return path;
    }
}
