using System.Runtime.CompilerServices;

// The JSON option holders (ContactJson, TemplateJson) are internal; the tests prove they resolve every stored document
// from source-generated metadata.
[assembly: InternalsVisibleTo("Omni.Storage.Tests")]
