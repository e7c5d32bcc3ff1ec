package ferry

import (
	"context"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// Admin manages topics and consumer groups. Get one with Client.Admin.
type Admin struct {
	svc ferryv1.AdminServiceClient
}

// Admin returns the client's admin API.
func (c *Client) Admin() *Admin { return &Admin{svc: c.admin} }

// TopicConfig is what CreateTopic takes. Zero values mean the broker's defaults
// (default partition count, keep forever, no size limit).
type TopicConfig struct {
	Partitions     int32
	Retention      time.Duration
	RetentionBytes int64
}

// TopicInfo is a topic's settings.
type TopicInfo struct {
	Name           string
	Partitions     int32
	Retention      time.Duration // 0 = keep forever
	RetentionBytes int64         // per partition; 0 = no limit
	CreatedAt      time.Time
}

// PartitionInfo is one partition's offsets.
type PartitionInfo struct {
	Partition   int32
	StartOffset int64 // the first stored offset
	EndOffset   int64 // the offset the next record will get
}

// TopicDescription is a topic and its partitions.
type TopicDescription struct {
	TopicInfo
	PartitionInfo []PartitionInfo
}

// GroupSummary is a group in ListGroups.
type GroupSummary struct {
	Group      string
	Topic      string
	Members    int32
	Generation int64
	Lag        int64
}

// GroupMember is a live member of a group.
type GroupMember struct {
	MemberID    string
	ClientID    string
	Peer        string
	Partitions  []int32
	InFlight    int32
	MaxInFlight int32
}

// GroupPartition is a group's view of one partition.
type GroupPartition struct {
	Partition       int32
	CommittedOffset int64 // the lowest offset not yet done
	LogEndOffset    int64
	Lag             int64
	InFlight        int32
	OldestUnacked   time.Duration // age of the oldest unacked delivery; 0 = none
	MemberID        string        // the owner; empty = none
}

// GroupDescription is a group in detail.
type GroupDescription struct {
	Group      string
	Topic      string
	Generation int64
	Options    GroupOptions
	Members    []GroupMember
	Partitions []GroupPartition
}

// CreateTopic creates a topic. ErrTopicAlreadyExists if it exists.
func (a *Admin) CreateTopic(ctx context.Context, name string, cfg TopicConfig) (TopicInfo, error) {
	resp, err := a.svc.CreateTopic(ctx, &ferryv1.CreateTopicRequest{
		Name:           name,
		Partitions:     cfg.Partitions,
		RetentionMs:    durationMs(cfg.Retention),
		RetentionBytes: cfg.RetentionBytes,
	})
	if err != nil {
		return TopicInfo{}, err
	}
	return topicFromProto(resp.GetTopic()), nil
}

// DeleteTopic deletes a topic, its records and its groups' offsets.
func (a *Admin) DeleteTopic(ctx context.Context, name string) error {
	_, err := a.svc.DeleteTopic(ctx, &ferryv1.DeleteTopicRequest{Name: name})
	return err
}

// ListTopics lists all topics, by name.
func (a *Admin) ListTopics(ctx context.Context) ([]TopicInfo, error) {
	resp, err := a.svc.ListTopics(ctx, &ferryv1.ListTopicsRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]TopicInfo, len(resp.GetTopics()))
	for i, t := range resp.GetTopics() {
		out[i] = topicFromProto(t)
	}
	return out, nil
}

// DescribeTopic describes a topic and its partitions' offsets.
func (a *Admin) DescribeTopic(ctx context.Context, name string) (TopicDescription, error) {
	resp, err := a.svc.DescribeTopic(ctx, &ferryv1.DescribeTopicRequest{Name: name})
	if err != nil {
		return TopicDescription{}, err
	}
	d := TopicDescription{TopicInfo: topicFromProto(resp.GetTopic())}
	for _, p := range resp.GetPartitions() {
		d.PartitionInfo = append(d.PartitionInfo, PartitionInfo{
			Partition:   p.GetPartition(),
			StartOffset: p.GetStartOffset(),
			EndOffset:   p.GetEndOffset(),
		})
	}
	return d, nil
}

// ListGroups lists consumer groups; topic "" means all topics.
func (a *Admin) ListGroups(ctx context.Context, topic string) ([]GroupSummary, error) {
	resp, err := a.svc.ListGroups(ctx, &ferryv1.ListGroupsRequest{Topic: topic})
	if err != nil {
		return nil, err
	}
	out := make([]GroupSummary, len(resp.GetGroups()))
	for i, g := range resp.GetGroups() {
		out[i] = GroupSummary{
			Group:      g.GetGroup(),
			Topic:      g.GetTopic(),
			Members:    g.GetMembers(),
			Generation: g.GetGeneration(),
			Lag:        g.GetLag(),
		}
	}
	return out, nil
}

// DescribeGroup describes a group: members, assignment, offsets, lag and in-flight records.
func (a *Admin) DescribeGroup(ctx context.Context, group, topic string) (GroupDescription, error) {
	resp, err := a.svc.DescribeGroup(ctx, &ferryv1.DescribeGroupRequest{Group: group, Topic: topic})
	if err != nil {
		return GroupDescription{}, err
	}
	o := resp.GetOptions()
	d := GroupDescription{
		Group:      resp.GetGroup(),
		Topic:      resp.GetTopic(),
		Generation: resp.GetGeneration(),
		Options: GroupOptions{
			AckDeadline:     time.Duration(o.GetAckDeadlineMs()) * time.Millisecond,
			MaxAttempts:     o.GetMaxAttempts(),
			BackoffMin:      time.Duration(o.GetBackoffMinMs()) * time.Millisecond,
			BackoffMax:      time.Duration(o.GetBackoffMaxMs()) * time.Millisecond,
			DeadLetterTopic: o.GetDeadLetterTopic(),
		},
	}
	for _, m := range resp.GetMembers() {
		d.Members = append(d.Members, GroupMember{
			MemberID:    m.GetMemberId(),
			ClientID:    m.GetClientId(),
			Peer:        m.GetPeer(),
			Partitions:  m.GetPartitions(),
			InFlight:    m.GetInFlight(),
			MaxInFlight: m.GetMaxInFlight(),
		})
	}
	for _, p := range resp.GetPartitions() {
		d.Partitions = append(d.Partitions, GroupPartition{
			Partition:       p.GetPartition(),
			CommittedOffset: p.GetCommittedOffset(),
			LogEndOffset:    p.GetLogEndOffset(),
			Lag:             p.GetLag(),
			InFlight:        p.GetInFlight(),
			OldestUnacked:   time.Duration(p.GetOldestUnackedAgeMs()) * time.Millisecond,
			MemberID:        p.GetMemberId(),
		})
	}
	return d, nil
}

// ResetGroupOffsets moves a group's committed offsets to pos, for the given
// partitions (none: all). Only while the group has no members
// (else ErrGroupHasMembers). It returns the new offsets by partition.
func (a *Admin) ResetGroupOffsets(ctx context.Context, group, topic string, pos StartPosition, partitions ...int32) (map[int32]int64, error) {
	resp, err := a.svc.ResetGroupOffsets(ctx, &ferryv1.ResetGroupOffsetsRequest{
		Group:      group,
		Topic:      topic,
		Position:   pos.proto(),
		Partitions: partitions,
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(resp.GetOffsets()))
	for _, o := range resp.GetOffsets() {
		out[o.GetPartition()] = o.GetOffset()
	}
	return out, nil
}

// DeleteGroup deletes a group and its offsets. Only while it has no members.
func (a *Admin) DeleteGroup(ctx context.Context, group, topic string) error {
	_, err := a.svc.DeleteGroup(ctx, &ferryv1.DeleteGroupRequest{Group: group, Topic: topic})
	return err
}

func topicFromProto(t *ferryv1.TopicInfo) TopicInfo {
	return TopicInfo{
		Name:           t.GetName(),
		Partitions:     t.GetPartitions(),
		Retention:      time.Duration(t.GetRetentionMs()) * time.Millisecond,
		RetentionBytes: t.GetRetentionBytes(),
		CreatedAt:      fromUnixMs(t.GetCreatedAtMs()),
	}
}
