using System.Reflection;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

namespace Microsoft.ML.ArchitectureSearch.Tests.Onnx;

public sealed class OnnxConverterVersionTests
{
    [Fact]
    public void OnnxConverterIsThePinnedVersionWhoseInternalsTheExportUses()
    {
        // ONNX export calls the converter's internals (Pipeline/MLNetInternals/OnnxExport.cs). If this fails after an
        // upgrade, re-check that code and the ONNX tests against the new version, then change the pinned version.
        string? version = typeof(OnnxExportExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.NotNull(version);
        Assert.StartsWith("0.23.1+", version);
        MLNetInternalsAccess.EnsurePinnedVersion(); // the run-time guard agrees
    }
}
