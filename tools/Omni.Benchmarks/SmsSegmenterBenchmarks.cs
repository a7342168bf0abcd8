using BenchmarkDotNet.Attributes;
using Omni.Core.Routing;

namespace Omni.Benchmarks;

/// <summary>
/// <see cref="SmsSegmenter.Measure"/> on a 700-character basic-table GSM-7 text (the vectorised fast path), a 300-character
/// GSM-7 text with extension characters (the per-character path) and a 100-character UCS-2 text.
/// </summary>
[MemoryDiagnoser]
public class SmsSegmenterBenchmarks
{
    private string _gsmBasic700 = "";
    private string _gsm300 = "";
    private string _ucs2100 = "";

    [GlobalSetup]
    public void Setup()
    {
        // Basic-table GSM-7 only (the long marketing text of RoutingBenchmarks), 700 chars = 700 septets: 5 segments.
        _gsmBasic700 = RoutingBenchmarks.Repeat("Spring sale: 20% off everything in store and online until Sunday. ", 700);
        // GSM-7 with extension characters ([, ], € cost 2 septets each), 300 chars = 310 septets: 3 segments of at most 153.
        _gsm300 = RoutingBenchmarks.Repeat("Your parcel [ref 7731] is out for delivery today; €2.50 due on arrival. Reply HELP for help. ", 300);
        // Cyrillic forces UCS-2, 100 code units: 2 segments of at most 67.
        _ucs2100 = RoutingBenchmarks.Repeat("Ваш код подтверждения 482913. Никому его не сообщайте. ", 100);

        Check(_gsmBasic700, SmsEncoding.Gsm7, 700, 5);
        Check(_gsm300, SmsEncoding.Gsm7, 300, 3);
        Check(_ucs2100, SmsEncoding.Ucs2, 100, 2);
    }

    [Benchmark]
    public SmsSegments Gsm7Basic_700Chars() => SmsSegmenter.Measure(_gsmBasic700);

    [Benchmark]
    public SmsSegments Gsm7_300Chars() => SmsSegmenter.Measure(_gsm300);

    [Benchmark]
    public SmsSegments Ucs2_100Chars() => SmsSegmenter.Measure(_ucs2100);

    private static void Check(string text, SmsEncoding encoding, int length, int segments)
    {
        var measured = SmsSegmenter.Measure(text);
        if (text.Length != length || measured.Encoding != encoding || measured.Segments != segments)
        {
            throw new InvalidOperationException($"{length}-char text: {measured}, length {text.Length}; expected {encoding}, {segments} segments.");
        }
    }
}
