using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

// Why this folder uses ML.NET internals, and what it costs.
//
// Goal: the fitted ArchitectureSearchTransformer is saved inside an ordinary ML.NET model zip (alone or in a chain)
// and mlContext.Model.Load gives it back as itself, typed, in any process. ML.NET 5 makes that impossible through its
// public API: ModelSaveContext exposes no way to write bytes, ModelLoadContext, VersionInfo, LoadableClassAttribute and
// SignatureLoadModel are internal, and only ML.NET's friend assemblies (Microsoft.ML.TorchSharp among them) may use
// them (dotnet/machinelearning #4911).
//
// Choice (docs/mlnet-model-zip.md explains the routes and the facts behind them): build/MLNetInternals.targets hands the compiler copies of
// Microsoft.ML.Core.dll and Microsoft.ML.Data.dll in which exactly the internals listed in
// build/MLNetInternals.allowlist.txt are public (build/MLNetInternalsPublicizer flips their visibility bits in place;
// no publicizer package is served here), and IgnoresAccessChecksToAttribute.cs tells CoreCLR to let this assembly
// call them at run time. The code is then the ordinary ML.NET loader pattern:
// VersionInfo + SaveBinaryStream on save, a LoadableClass with a static Create(IHostEnvironment, ModelLoadContext).
//
// Rejected: route 1 (save as a chain of built-in ValueMapping/CustomMapping transformers) works with public API only,
// but after Load the transformer is no longer ours (no Architecture, no History), the Score vector loses its fixed
// size and users must register CustomMapping factories. Reflection on private members fails on load (#6839).
//
// Costs, and how they are contained:
// - Internals may change in any ML.NET release. The build fails unless Microsoft.ML is exactly the pinned version
//   (MicrosoftMLPinnedVersion), and tests assert the runtime assembly version and the save/load round trip in a
//   separate process, so an upgrade fails loudly instead of producing unloadable zips.
// - IgnoresAccessChecksTo is a CoreCLR feature, not a language one: Mono or .NET Framework would throw
//   MethodAccessException. This library targets net10.0 only.
// - Only this folder touches internals, through this class. Because only the allow-listed internals are made
//   visible, any other internal use anywhere in the library is a compile error, and an ML.NET release that renames or
//   drops an allow-listed one fails the build by name.
// - Thread safety and disposal are ML.NET's usual: see Scoring/SharedNetwork.cs and ArchitectureSearchTransformer.
//
// ONNX export (OnnxExport.cs) joins mlContext.Model.ConvertToOnnx through the same route, with the ONNX interfaces of
// Microsoft.ML.Data and the converter's context of Microsoft.ML.OnnxConverter (pinned to 0.23.1, its release beside 5.0.1).
//
// Everything this library needs from ML.NET that ML.NET 5 keeps internal is here, so an ML.NET upgrade touches this
// folder alone.
internal static class MLNetInternalsAccess
{
    /// <summary>Name of the zip entry (inside the transformer's folder) that holds the TorchSharp weights.</summary>
    internal const string WeightsStreamName = "TorchSharpWeights.bin";

    /// <summary>
    /// Throws unless the Microsoft.ML loaded in this process is the version this library was built and tested against
    /// (an application can still bind a newer one despite the package's exact dependency).
    /// </summary>
    internal static void EnsurePinnedVersion()
    {
        var pinnedVersions = typeof(MLNetInternalsAccess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .ToDictionary(a => a.Key, a => a.Value);
        foreach ((Assembly assembly, string package) in new[]
        {
            (typeof(ModelSaveContext).Assembly, "Microsoft.ML"), (typeof(CatalogUtils).Assembly, "Microsoft.ML"),
            (typeof(Model.OnnxConverter.OnnxContextImpl).Assembly, "Microsoft.ML.OnnxConverter"),
        })
        {
            string pinned = pinnedVersions[package == "Microsoft.ML" ? "MicrosoftMLPinnedVersion" : "MicrosoftMLOnnxConverterPinnedVersion"]!;
            string loaded = (assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];
            if (loaded != pinned)
                throw new InvalidOperationException(
                    $"Microsoft.ML.ArchitectureSearch reads and writes model zips and ONNX models through ML.NET internals and supports {package} {pinned} only, but {assembly.GetName().Name} {loaded} is loaded. Reference {package} {pinned}.");
        }
    }

    private static readonly Lazy<bool> PinnedVersionChecked = new(() => { EnsurePinnedVersion(); return true; });

    internal static void CheckPinnedVersionOnce() => _ = PinnedVersionChecked.Value;

    /// <summary>The environment behind an <see cref="MLContext"/> catalog.</summary>
    public static IHostEnvironment GetEnvironment(TransformsCatalog catalog)
    {
        CheckPinnedVersionOnce();
        return CatalogUtils.GetEnvironment(catalog);
    }

    /// <summary>The seed the <see cref="MLContext"/> was created with, or null when it was created without one.</summary>
    public static int? GetSeed(IHostEnvironment environment) =>
        environment is IHostEnvironmentInternal internalEnvironment ? internalEnvironment.Seed : null;

    /// <summary>Whether <c>mlContext.CancelExecution()</c> was called on the context <paramref name="host"/> belongs to.</summary>
    public static bool IsCanceled(IHostEnvironment host) => host is ICancelable { IsCanceled: true };

    /// <summary>A column of a <see cref="SchemaShape"/> (its constructor is internal, dotnet/machinelearning #3243).</summary>
    public static SchemaShape.Column ShapeColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey,
        IReadOnlyList<SchemaShape.Column>? annotations = null) =>
        new(name, kind, itemType, isKey, annotations == null ? null : new SchemaShape(annotations));

    /// <summary>
    /// Writes the transformer into the model zip at the context's position: a version header naming this
    /// assembly's loader (so <c>mlContext.Model.Load</c> finds it without registration), the payload header in the
    /// model stream and the network weights as a separate binary entry.
    /// </summary>
    public static void Save(ModelSaveContext context, byte[] payloadHeader, byte[] networkWeights)
    {
        CheckPinnedVersionOnce();
        context.CheckAtModel();
        context.SetVersionInfo(ArchitectureSearchModelLoader.GetVersionInfo());
        context.Writer.Write(payloadHeader.Length);
        context.Writer.Write(payloadHeader);
        context.SaveBinaryStream(WeightsStreamName, writer =>
        {
            writer.Write(networkWeights.LongLength);
            writer.Write(networkWeights);
        });
    }
}
