#!/usr/bin/env bash
# Packs the library and proves that a brand-new application outside the repo, referencing only the package and the CPU
# backend, builds, runs a TorchSharp training step (so the package's buildTransitive loader fix worked) and publishes.
# Then packs the Orleans package the same way and proves that a second application referencing only it (and the CPU
# backend) hosts a worker silo on loopback and runs a search whose children the silo trains.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
# A unique version per run: the NuGet cache can never serve a stale copy of an earlier pack.
version="0.1.0-ci.$(date +%s)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
trap 'rm -rf "$work" "$packages/microsoft.ml.architecturesearch/$version" "$packages/microsoft.ml.architecturesearch.orleans/$version"' EXIT
dotnet pack "$repo/src/Microsoft.ML.ArchitectureSearch/Microsoft.ML.ArchitectureSearch.csproj" -c Release \
  -p:Version="$version" -o "$work/feed" --nologo -v q
# The listing is read whole before it is searched: `unzip ... | grep -q` under pipefail fails at random when grep stops
# reading at its first match and unzip dies of SIGPIPE (CI failed that way once).
listing="$(unzip -l "$work/feed/Microsoft.ML.ArchitectureSearch.$version.nupkg")"
grep -qF "buildTransitive/Microsoft.ML.ArchitectureSearch.targets" <<<"$listing" \
  || { echo "package lacks buildTransitive targets" >&2; exit 1; }

mkdir "$work/app"
cd "$work/app"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > app.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.ML.ArchitectureSearch" Version="$version" />
    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
  </ItemGroup>
</Project>
XML
# The data both consumer apps search: 8x8 RGB rows in two classes.
cat > Row.cs <<'CS'
using Microsoft.ML.Data;

sealed class Row
{
    public const int Size = 3 * 8 * 8;
    [VectorType(Size)] public float[] Image { get; set; } = [];
    public string Label { get; set; } = "";

    public static Row[] Sample(int count) => Enumerable.Range(0, count).Select(i => new Row
    {
        Image = Enumerable.Range(0, Size).Select(j => (float)((i * 7 + j) % 13) / 13f + i % 2).ToArray(),
        Label = i % 2 == 0 ? "even" : "odd",
    }).ToArray();
}
CS
cat > Program.cs <<'CS'
// A user's program: a tiny real search through the public API, saved to a model zip and loaded back.
using Microsoft.ML;
using Microsoft.ML.ArchitectureSearch;
using Microsoft.ML.Data; // GetColumn

var ml = new MLContext(seed: 1);
IDataView data = ml.Data.LoadFromEnumerable(Row.Sample(40));
var options = new ArchitectureSearchOptions
{
    FeatureColumnName = "Image", ImageChannels = 3, ImageHeight = 8, ImageWidth = 8,
    MaxTrials = 1, FinalEpochs = 1,
    ConvolutionalSpace = new() { LayerCount = 2, FilterCounts = new[] { 4 } },
};
var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(data);
ml.Model.Save(model, data.Schema, "model.zip");
ITransformer loaded = new MLContext().Model.Load("model.zip", out _);
float[] score = loaded.Transform(data).GetColumn<float[]>("Score").First();
Console.WriteLine($"package consumer ok: {model.LastTransformer.Architecture.Description}; score {string.Join(",", score.Select(s => s.ToString("0.00")))}");
CS
dotnet build -c Release --nologo -v q 2>&1 | tail -n 3
dotnet run -c Release --no-build | tee run.txt
grep -q "package consumer ok" run.txt
dotnet publish -c Release -o "$work/published" --nologo -v q 2>&1 | tail -n 3
"$work/published/app" | grep "package consumer ok"

# The Orleans package: its nuspec must depend on this very version of the library.
dotnet pack "$repo/src/Microsoft.ML.ArchitectureSearch.Orleans/Microsoft.ML.ArchitectureSearch.Orleans.csproj" -c Release \
  -p:Version="$version" -o "$work/feed" --nologo -v q
nuspec="$(unzip -p "$work/feed/Microsoft.ML.ArchitectureSearch.Orleans.$version.nupkg" Microsoft.ML.ArchitectureSearch.Orleans.nuspec)"
grep -qF "id=\"Microsoft.ML.ArchitectureSearch\" version=\"$version\"" <<<"$nuspec" \
  || { echo "the Orleans package does not depend on Microsoft.ML.ArchitectureSearch $version" >&2; exit 1; }
mkdir "$work/orleans-app"
cd "$work/orleans-app"
cp "$work/app/nuget.config" "$work/app/Row.cs" .
sed -e "s|Include=\"Microsoft.ML.ArchitectureSearch\"|Include=\"Microsoft.ML.ArchitectureSearch.Orleans\"|" "$work/app/app.csproj" > app.csproj
cat > Program.cs <<'CS'
// A user's program: one worker silo on loopback in this process, and a search whose children it trains.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.ArchitectureSearch;

HostApplicationBuilder builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo => silo.UseLocalhostClustering().AddArchitectureSearchWorker(w => w.Name = "packaged-worker"));
using IHost host = builder.Build();
await host.StartAsync();

var ml = new MLContext(seed: 1);
IDataView data = ml.Data.LoadFromEnumerable(Row.Sample(40));
var options = new ArchitectureSearchOptions
{
    FeatureColumnName = "Image", ImageChannels = 3, ImageHeight = 8, ImageWidth = 8,
    Strategy = SearchStrategy.Random, MaxTrials = 2, FinalEpochs = 1, InitialArchitectures = [],
    ConvolutionalSpace = new() { LayerCount = 2, FilterCounts = new[] { 4 } },
}.UseOrleansCluster(host.Services.GetRequiredService<IClusterClient>());
var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(data);
string workers = string.Join(",", model.LastTransformer.Trials.Select(t => t.Worker).Distinct());
Console.WriteLine($"orleans package consumer ok: {model.LastTransformer.Trials.Count} trials trained by {workers}");
await host.StopAsync();
CS
dotnet build -c Release --nologo -v q 2>&1 | grep -E 'error|Error' | sort -u | head -n 10
dotnet run -c Release --no-build | tee run.txt
grep -q "orleans package consumer ok: 2 trials trained by packaged-worker" run.txt
echo "check-package: OK ($version)"
