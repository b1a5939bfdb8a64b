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
// Choice (route 2 of shared/notes/mlnet-model-zip.md): build/MLNetInternals.targets hands the compiler copies of
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
// - Only this folder touches internals, through IMLNetInternals. Because only the allow-listed internals are made
//   visible, any other internal use anywhere in the library is a compile error, and an ML.NET release that renames or
//   drops an allow-listed one fails the build by name.
// - Thread safety and disposal are ML.NET's usual: see Scoring/SharedNetwork.cs and ArchitectureSearchTransformer.
internal sealed class MLNetInternalsAccess : IMLNetInternals
{
    public static readonly IMLNetInternals Instance = new MLNetInternalsAccess();

    /// <summary>Name of the zip entry (inside the transformer's folder) that holds the TorchSharp weights.</summary>
    internal const string WeightsStreamName = "TorchSharpWeights.bin";

    private MLNetInternalsAccess() { }

    /// <summary>
    /// Throws unless the Microsoft.ML loaded in this process is the version this library was built and tested against
    /// (an application can still bind a newer one despite the package's exact dependency).
    /// </summary>
    internal static void EnsurePinnedVersion()
    {
        string pinned = typeof(MLNetInternalsAccess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "MicrosoftMLPinnedVersion").Value!;
        foreach (Assembly assembly in new[] { typeof(ModelSaveContext).Assembly, typeof(CatalogUtils).Assembly })
        {
            string loaded = (assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];
            if (loaded != pinned)
                throw new InvalidOperationException(
                    $"Microsoft.ML.ArchitectureSearch reads and writes model zips through ML.NET internals and supports Microsoft.ML {pinned} only, but {assembly.GetName().Name} {loaded} is loaded. Reference Microsoft.ML {pinned}.");
        }
    }

    private static readonly Lazy<bool> PinnedVersionChecked = new(() => { EnsurePinnedVersion(); return true; });

    internal static void CheckPinnedVersionOnce() => _ = PinnedVersionChecked.Value;

    public IHostEnvironment GetEnvironment(TransformsCatalog catalog)
    {
        CheckPinnedVersionOnce();
        return CatalogUtils.GetEnvironment(catalog);
    }

    public int? GetSeed(IHostEnvironment environment) =>
        environment is IHostEnvironmentInternal internalEnvironment ? internalEnvironment.Seed : null;

    public SchemaShape.Column ShapeColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey,
        IReadOnlyList<SchemaShape.Column>? annotations = null) =>
        new(name, kind, itemType, isKey, annotations == null ? null : new SchemaShape(annotations));

    public void Save(ModelSaveContext context, byte[] payloadHeader, byte[] networkWeights)
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
