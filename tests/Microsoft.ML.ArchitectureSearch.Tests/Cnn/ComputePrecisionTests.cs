using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

public class ComputePrecisionTests
{
    [Theory]
    [InlineData("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_tile\n", true)]
    [InlineData("processor\t: 0\nflags\t\t: fpu sse2 avx2 amx_bf16\n", true)]
    [InlineData("processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n", true)]
    [InlineData("processor\t: 0\nflags\t\t: fpu sse2 fma avx avx2 vaes\n", false)]
    [InlineData("processor\t: 0\nFeatures\t: fp asimd\n", false)]
    [InlineData("no flags line at all\n", true)]
    [InlineData(null, true)]
    public void CpuInfoFlagsTellWhetherBFloat16IsNative(string? cpuInfo, bool expected) =>
        Assert.Equal(expected, CpuFeatures.HasBFloat16Flag(cpuInfo));

    [Fact]
    public void BFloat16FallsBackToFloat32WithAWarningOnACpuWithoutIt()
    {
        var log = new RecordingLog();
        var asked = new CnnTrainingOptions { Device = "cpu", BFloat16 = true, ChannelsLast = true };

        CnnTrainingOptions resolved = ComputePrecision.Resolve(asked, log, cpuHasBFloat16: false);

        Assert.False(resolved.BFloat16);
        Assert.True(resolved.ChannelsLast);
        Assert.Equal(asked with { BFloat16 = false }, resolved);
        string warning = Assert.Single(log.Warnings);
        Assert.Contains("no bfloat16 instructions", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void BFloat16IsKeptSilentlyOnACpuWithIt()
    {
        var log = new RecordingLog();
        var asked = new CnnTrainingOptions { Device = "cpu", BFloat16 = true };

        Assert.Same(asked, ComputePrecision.Resolve(asked, log, cpuHasBFloat16: true));
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public void Float32OptionsAreNeverTouched()
    {
        var log = new RecordingLog();
        var asked = new CnnTrainingOptions { Device = "cpu", BFloat16 = false };

        Assert.Same(asked, ComputePrecision.Resolve(asked, log, cpuHasBFloat16: false));
        Assert.Empty(log.Warnings);
    }

    private sealed class RecordingLog : ISearchLog
    {
        public List<string> Warnings { get; } = new();

        public void Info(string message) { }

        public void Warning(string message) => Warnings.Add(message);
    }
}
