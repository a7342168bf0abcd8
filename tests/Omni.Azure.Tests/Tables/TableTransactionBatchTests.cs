using System.Net;
using System.Text;
using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

public sealed class TableTransactionBatchTests
{
    private static readonly Uri Endpoint = new("http://127.0.0.1:10002/devstoreaccount1");

    [Fact]
    public void WriteBody_EveryActionType_ProducesOneChangesetWithCrlfAndAbsoluteUrls()
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p", "a") { ["N"] = 1 }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "b")),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "c")),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "d"), new ETag("W/\"datetime'x'\"")),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "e")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "O'Brien é")),
        };

        var body = Encoding.UTF8.GetString(TableTransactionBatch.WriteBody(Endpoint, "messages", actions, out var contentType).Span);

        Assert.StartsWith("multipart/mixed; boundary=batch_", contentType);
        var batch = contentType["multipart/mixed; boundary=".Length..];
        Assert.StartsWith($"--{batch}\r\nContent-Type: multipart/mixed; boundary=changeset_", body);
        Assert.EndsWith($"--{batch}--\r\n", body);
        Assert.DoesNotContain("\n", body.Replace("\r\n", ""));
        Assert.Equal(6, CountOf(body, "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"));
        Assert.Contains("POST http://127.0.0.1:10002/devstoreaccount1/messages HTTP/1.1\r\n", body);
        Assert.Contains("MERGE http://127.0.0.1:10002/devstoreaccount1/messages(PartitionKey='p',RowKey='b') HTTP/1.1\r\n", body);
        Assert.Contains("PUT http://127.0.0.1:10002/devstoreaccount1/messages(PartitionKey='p',RowKey='c') HTTP/1.1\r\n", body);
        Assert.Contains("DELETE http://127.0.0.1:10002/devstoreaccount1/messages(PartitionKey='p',RowKey='O%27%27Brien%20%C3%A9') HTTP/1.1\r\n", body);
        Assert.Contains("If-Match: W/\"datetime'x'\"\r\n", body);
        Assert.Equal(2, CountOf(body, "If-Match: *\r\n")); // UpdateReplace and Delete without an ETag
        Assert.Equal(3, CountOf(body, "If-Match: ")); // upserts and adds are unconditional
        Assert.Contains("\r\n\r\n{\"PartitionKey\":\"p\",\"RowKey\":\"a\",\"N\":1}\r\n--changeset_", body);
        Assert.Equal(5, CountOf(body, "Prefer: return-no-content\r\n"));
    }

    [Fact]
    public void Validate_101Actions_ThrowsArgumentException()
    {
        var actions = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString())));

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Validate(actions));

        Assert.Contains("100", error.Message);
    }

    [Fact]
    public void Validate_Exactly100Actions_IsAccepted()
    {
        var actions = Enumerable.Range(0, 100).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString())));

        Assert.Equal(100, TableTransactionBatch.Validate(actions).Count);
    }

    [Fact]
    public void Validate_MixedPartitions_ThrowsNamingTheAction()
    {
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, new TableEntity("p1", "a")),
            new(TableTransactionActionType.Add, new TableEntity("p1", "b")),
            new(TableTransactionActionType.Add, new TableEntity("p2", "c")),
        ];

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Validate(actions));

        Assert.Contains("action 2", error.Message);
    }

    [Fact]
    public void Validate_SameRowTwice_Throws()
    {
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "a")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "a")),
        ];

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.Validate(actions));

        Assert.Contains("RowKey 'a'", error.Message);
    }

    [Fact]
    public void Validate_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => TableTransactionBatch.Validate([]));
    }

    [Fact]
    public void Validate_ForbiddenKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => TableTransactionBatch.Validate([new(TableTransactionActionType.Add, new TableEntity("p", "a#b"))]));
    }

    [Fact]
    public void WriteBody_OverFourMebibytes_ThrowsArgumentException()
    {
        var big = new string('x', 30_000);
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString()) { ["A"] = big, ["B"] = big }))
            .ToList();

        var error = Assert.Throws<ArgumentException>(() => TableTransactionBatch.WriteBody(Endpoint, "t1", actions, out _));

        Assert.Contains("4 MiB", error.Message);
    }

    [Fact]
    public void ParseResponse_SuccessfulChangeset_ReturnsOneResponsePerAction()
    {
        var response = BatchResponse(
            "--changesetresponse_c1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "HTTP/1.1 204 No Content\r\nContent-ID: 1\r\nETag: W/\"datetime'a'\"\r\nDataServiceVersion: 3.0;\r\n\r\n\r\n" +
            "--changesetresponse_c1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "HTTP/1.1 201 Created\r\nContent-ID: 2\r\nContent-Type: application/json\r\n\r\n{\"PartitionKey\":\"p\"}\r\n" +
            "--changesetresponse_c1--\r\n");

        var parts = TableTransactionBatch.ParseResponse(response);

        Assert.Equal(2, parts.Count);
        Assert.Equal(204, parts[0].Status);
        Assert.Equal("No Content", parts[0].ReasonPhrase);
        Assert.Equal(new ETag("W/\"datetime'a'\""), parts[0].Headers.ETag);
        Assert.Equal(201, parts[1].Status);
        Assert.Equal("{\"PartitionKey\":\"p\"}", parts[1].Content.ToString());
    }

    [Fact]
    public void ParseResponse_ReferenceFailureSample_YieldsTheErrorAndFailedIndex()
    {
        // provider-specs.md §9.5: the single part Azurite returns when action 1 fails.
        var response = BatchResponse(
            "--changesetresponse_c1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "HTTP/1.1 404 Not Found\r\nContent-ID: 2\r\nDataServiceVersion: 3.0;\r\nContent-Type: application/json;odata=minimalmetadata;charset=utf-8\r\n\r\n" +
            "{\"odata.error\":{\"code\":\"ResourceNotFound\",\"message\":{\"lang\":\"en-US\",\"value\":\"1:The specified resource does not exist.\\nRequestId:776b9963-67cd-483e-a476-b23ba10bf917\\nTime:2026-11-22T10:07:05.543Z\"}}}\r\n" +
            "--changesetresponse_c1--\r\n");

        var failed = Assert.Single(TableTransactionBatch.ParseResponse(response));

        Assert.Equal(404, failed.Status);
        Assert.Equal(1, TableTransactionBatch.FailedActionIndex(failed));
        Assert.Equal("ResourceNotFound", TableErrorParser.GetErrorCode(failed));
    }

    [Fact]
    public void ParseResponse_LfLineEndings_AreTolerated()
    {
        var response = BatchResponse(
            "--changesetresponse_c1\nContent-Type: application/http\n\nHTTP/1.1 204 No Content\nETag: W/\"e\"\n\n\n--changesetresponse_c1--\n",
            lineEnding: "\n");

        var part = Assert.Single(TableTransactionBatch.ParseResponse(response));

        Assert.Equal(204, part.Status);
        Assert.Equal(new ETag("W/\"e\""), part.Headers.ETag);
    }

    [Fact]
    public async Task SubmitTransactionAsync_ServiceReportsFailure_ThrowsTransactionFailedWithIndex()
    {
        var handler = new RecordingHandler((_, _) =>
        {
            var message = new HttpResponseMessage(HttpStatusCode.Accepted)
            {
                Content = new StringContent(BatchBody(
                    "--changesetresponse_c1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\n\r\n" +
                    "{\"odata.error\":{\"code\":\"UpdateConditionNotSatisfied\",\"message\":{\"lang\":\"en-US\",\"value\":\"2:The update condition specified in the request was not satisfied.\"}}}\r\n" +
                    "--changesetresponse_c1--\r\n", "\r\n")),
            };
            message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/mixed; boundary=batchresponse_b1");
            return message;
        });
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "a")),
            new(TableTransactionActionType.Add, new TableEntity("p", "b")),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "c"), new ETag("W/\"old\"")),
        ];

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => client.SubmitTransactionAsync(actions));

        Assert.Equal(2, error.FailedTransactionActionIndex);
        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        Assert.IsAssignableFrom<RequestFailedException>(error);
        Assert.Equal("/devstoreaccount1/$batch", handler.Requests[0].Uri.AbsolutePath);
        Assert.StartsWith("multipart/mixed; boundary=batch_", handler.Requests[0].Header("Content-Type"));
    }

    [Fact]
    public async Task SubmitTransactionAsync_InvalidActions_SendsNothing()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted);
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionAsync(
            Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString())))));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitTransactionAsync(
            [new(TableTransactionActionType.Add, new TableEntity("p1", "a")), new(TableTransactionActionType.Add, new TableEntity("p2", "a"))]));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.SubmitTransactionAsync(null!));

        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void TableTransactionFailedException_FromRequestFailedException_KeepsStatusAndCode()
    {
        var inner = new RequestFailedException(409, "conflict", "EntityAlreadyExists", null);

        var error = new TableTransactionFailedException(inner);

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Null(error.FailedTransactionActionIndex);
        Assert.Same(inner, error.InnerException);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static string BatchBody(string changeset, string lineEnding) =>
        $"--batchresponse_b1{lineEnding}Content-Type: multipart/mixed; boundary=changesetresponse_c1{lineEnding}{lineEnding}{changeset}--batchresponse_b1--{lineEnding}";

    private static Response BatchResponse(string changeset, string lineEnding = "\r\n") =>
        new FakeResponse(202, "multipart/mixed; boundary=batchresponse_b1", BatchBody(changeset, lineEnding));

    private sealed class FakeResponse(int status, string contentType, string body) : Response
    {
        public override int Status => status;
        public override string ReasonPhrase => "Accepted";
        public override Stream? ContentStream { get; set; } = new MemoryStream(Encoding.UTF8.GetBytes(body));
        public override string ClientRequestId { get; set; } = "";
        public override void Dispose() { }
        protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
        {
            value = string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) ? contentType : null;
            return value is not null;
        }
        protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
        {
            var found = TryGetHeader(name, out var value);
            values = found ? [value!] : null;
            return found;
        }
        protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);
        protected override IEnumerable<global::Azure.Core.HttpHeader> EnumerateHeaders() => [new("Content-Type", contentType)];
    }
}
