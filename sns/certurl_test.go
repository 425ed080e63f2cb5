package sns

import "testing"

func TestCheckCertURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem", true},
		{"https://sns.eu-west-1.amazonaws.com/a/b/c.pem", true},
		{"https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem", true},
		{"https://sns.us-gov-west-1.amazonaws.com/x.pem", true},
		{"", false},
		{"http://sns.us-east-1.amazonaws.com/x.pem", false},
		{"HTTPS://sns.us-east-1.amazonaws.com/x.pem", false},
		{"ftp://sns.us-east-1.amazonaws.com/x.pem", false},
		{"//sns.us-east-1.amazonaws.com/x.pem", false},
		{"https:sns.us-east-1.amazonaws.com/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com/x.pem.txt", false},
		{"https://sns.us-east-1.amazonaws.com/x.PEM", false},
		{"https://sns.us-east-1.amazonaws.com/", false},
		{"https://sns.us-east-1.amazonaws.com/x.pem?y.pem", false},
		{"https://sns.us-east-1.amazonaws.com/x.pem#y.pem", false},
		{"https://sns.us-east-1.amazonaws.com/x.pem?", false},
		// Look-alikes: any other *.amazonaws.com could be an S3 bucket.
		{"https://s3.amazonaws.com/bucket/x.pem", false},
		{"https://mybucket.s3.amazonaws.com/x.pem", false},
		// The HTTPS hosts of an S3 bucket named "sns" (AWS's own check
		// accepts them).
		{"https://sns.s3-us-west-2.amazonaws.com/a.pem", false},
		{"https://sns.s3-accelerate.amazonaws.com/a.pem", false},
		{"https://sns.s3-external-1.amazonaws.com/a.pem", false},
		{"https://sns.us-gov-west-1.amazonaws.com/a.pem", true},
		{"https://sns.cn-north-1.amazonaws.com.cn/a.pem", true},
		{"https://sns.us-east-1.amazonaws.com.evil.com/x.pem", false},
		{"https://sns.us-east-1.amazonaws.co/x.pem", false},
		{"https://evilsns.us-east-1.amazonaws.com/x.pem", false},
		{"https://sns.evil.s3.amazonaws.com/x.pem", false},
		{"https://sns.us.amazonaws.com/x.pem", false},
		{"https://sns..amazonaws.com/x.pem", false},
		{"https://sns.us_east.amazonaws.com/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com./x.pem", false},
		{"https://SNS.us-east-1.amazonaws.com/x.pem", false},
		{"https://sns%2eus-east-1.amazonaws.com/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com%2eevil.com/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com\\@evil.com/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com /x.pem", false},
		// User info.
		{"https://sns.us-east-1.amazonaws.com@evil.com/x.pem", false},
		{"https://evil.com@sns.us-east-1.amazonaws.com/x.pem", false},
		{"https://user:pass@sns.us-east-1.amazonaws.com/x.pem", false},
		{"https://@sns.us-east-1.amazonaws.com/x.pem", false},
		// Ports.
		{"https://sns.us-east-1.amazonaws.com:443/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com:8443/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com:/x.pem", false},
		{"https://sns.us-east-1.amazonaws.com:evil.com/x.pem", false},
		{"https://[::1]/x.pem", false},
		{"https://127.0.0.1/x.pem", false},
	}
	for _, tt := range tests {
		err := CheckCertURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckCertURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestCheckSubscribeURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{testSubURL, true},
		{"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns&Token=a%2Fb", true},
		{"http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", false},
		{"https://evil.com/?Action=ConfirmSubscription", false},
		{"https://sns.us-east-1.amazonaws.com@127.0.0.1/?Action=ConfirmSubscription", false},
		{"https://sns.us-east-1.amazonaws.com:8080/?Action=ConfirmSubscription", false},
		{"https://169.254.169.254/latest/meta-data/", false},
		{"https://sns.us-east-1.amazonaws.com.attacker.net/", false},
	}
	for _, tt := range tests {
		err := CheckSubscribeURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckSubscribeURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}
