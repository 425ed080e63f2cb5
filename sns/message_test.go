package sns

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStringToSign(t *testing.T) {
	n := &Message{Type: TypeNotification, MessageID: "id", TopicARN: "arn", Message: "line1\nline2",
		Timestamp: "2026-12-02T12:00:00.000Z", UnsubscribeURL: "u", Token: "not signed", SubscribeURL: "not signed"}
	withSubject := *n
	withSubject.SetSubject("")
	c := &Message{Type: TypeSubscriptionConfirmation, MessageID: "id", TopicARN: "arn", Message: "m",
		Timestamp: "t", Token: "tok", SubscribeURL: "s", UnsubscribeURL: "not signed"}
	tests := []struct {
		name string
		m    *Message
		want string
	}{
		{"notification", n, "Message\nline1\nline2\nMessageId\nid\nTimestamp\n2026-12-02T12:00:00.000Z\nTopicArn\narn\nType\nNotification\n"},
		{"empty subject", &withSubject, "Message\nline1\nline2\nMessageId\nid\nSubject\n\nTimestamp\n2026-12-02T12:00:00.000Z\nTopicArn\narn\nType\nNotification\n"},
		{"confirmation", c, "Message\nm\nMessageId\nid\nSubscribeURL\ns\nTimestamp\nt\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n"},
	}
	for _, tt := range tests {
		got, err := tt.m.StringToSign()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, err := (&Message{Type: "Other"}).StringToSign(); err == nil {
		t.Error("signed an unknown type")
	}
}

func TestParseMessage(t *testing.T) {
	m := notification("m-1", `{"a":"<&>"}`)
	m.SetSubject("")
	m.MessageAttributes = map[string]MessageAttribute{"version": {Type: "String", Value: "2.0"}}
	signer().sign(t, m, "2")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Subject":""`) || !strings.Contains(string(b), `"MessageId":"m-1"`) {
		t.Errorf("JSON lacks SNS's key names or the empty Subject: %s", b)
	}
	got, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got, cmp.AllowUnexported(Message{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got, _ := ParseMessage(encode(t, signer().sign(t, notification("m-2", "x"), "1"))); got.hasSubject {
		t.Error("absent Subject read as present")
	}
}

func TestParseMessageRefuses(t *testing.T) {
	tests := []struct {
		name, body, want string
		raw              bool
	}{
		{"empty", "", "", true},
		{"raw text", "hello", "", true},
		{"raw JSON", `{"notificationInfo":{}}`, "", true},
		{"array", `[1]`, "", true},
		{"bad JSON", `{"Type":`, "JSON", false},
		{"wrong type", `{"Type":1,"Signature":"x"}`, "JSON", false},
		{"unknown Type", `{"Type":"Bogus","Signature":"x"}`, "Type", false},
		{"no MessageId", `{"Type":"Notification","Signature":"x","TopicArn":"t"}`, "MessageId", false},
		{"no TopicArn", `{"Type":"Notification","Signature":"x","MessageId":"m"}`, "TopicArn", false},
	}
	for _, tt := range tests {
		_, err := ParseMessage([]byte(tt.body))
		if err == nil || errors.Is(err, ErrRawDelivery) != tt.raw || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want raw=%v or one with %q", tt.name, err, tt.raw, tt.want)
		}
	}
}
